"""Checkpoints written by an earlier vidrun (torchvision-like names: `bn1`, `layer1.0.bn2`, `downsample.0`) load
strictly into today's models, which carry MMAction2's names.

`legacy_state_dicts/vidrun_before_mmaction_names.json` records the keys and shapes that vidrun's code before
the rename (the commit it names) gave each backbone config: the earlier layout is a fixed table here, not
derived from the map under test.
"""
import json
import logging
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

from vidrun.models import BACKBONES, build_model
from vidrun.models.legacy_keys import legacy_key_map, legacy_name, rename_legacy_keys
from vidrun.runner import load_checkpoint

EARLIER = json.loads((Path(__file__).parent / "legacy_state_dicts" / "vidrun_before_mmaction_names.json").read_text())
MODELS = EARLIER["models"]


def earlier_state(name: str, prefix: str = "") -> OrderedDict:
    """Random tensors under the earlier keys and shapes of `name` (num_batches_tracked as int64)."""
    gen = torch.Generator().manual_seed(1)
    return OrderedDict((prefix + key, torch.randint(0, 9, (), generator=gen) if key.endswith("num_batches_tracked")
                        else torch.randn(shape, generator=gen)) for key, shape in MODELS[name]["state_dict"])


def build(name: str):
    return BACKBONES.build(dict(MODELS[name]["cfg"]))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_map_is_one_to_one_between_the_earlier_and_todays_keys(name):
    today = {k: tuple(v.shape) for k, v in build(name).state_dict().items()}
    earlier = {k: tuple(shape) for k, shape in MODELS[name]["state_dict"]}
    mapping = legacy_key_map(today)
    assert len(set(mapping.values())) == len(mapping)
    assert {legacy_name(k): shape for k, shape in today.items()} == earlier  # onto, shapes kept
    assert not set(mapping) & set(today)  # no earlier name is a name of today


def test_the_documented_names():
    table = {"conv1.conv.weight": "conv1.weight", "conv1.bn.running_var": "bn1.running_var",
             "layer2.0.conv3.conv.weight": "layer2.0.conv3.weight", "layer2.0.conv3.bn.bias": "layer2.0.bn3.bias",
             "layer2.0.downsample.conv.weight": "layer2.0.downsample.0.weight",
             "layer2.0.downsample.bn.num_batches_tracked": "layer2.0.downsample.1.num_batches_tracked",
             "layer1.0.conv1.conv.net.weight": "layer1.0.conv1.net.weight",  # TSM, shift on the first conv
             "layer1.0.net.conv2.bn.weight": "layer1.0.net.bn2.weight",  # TSM, shift on the block
             "layer1.0.conv1.gn.weight": "layer1.0.bn1.weight",  # a GroupNorm was `bnJ` too
             "backbone.conv1.bn.weight": "backbone.bn1.weight", "cls_head.fc_cls.weight": "cls_head.fc_cls.weight"}
    assert {k: legacy_name(k) for k in table} == table


@pytest.mark.parametrize("name", sorted(MODELS))
def test_an_earlier_backbone_state_dict_loads_strictly(name, caplog):
    model, state = build(name), earlier_state(name)
    with caplog.at_level(logging.INFO, logger="vidrun"):
        model.load_state_dict(state, strict=True)
    assert "earlier key names" in caplog.text
    loaded = model.state_dict()
    assert all(torch.equal(loaded[k], state[legacy_name(k)]) for k in loaded)


def test_an_earlier_vidrun_checkpoint_loads_strictly_into_a_recognizer(tmp_path):
    model = build_model(dict(type="Recognizer2D", backbone=dict(MODELS["tsm_r18_blockres"]["cfg"]),
                             cls_head=dict(type="TSMHead", num_classes=5, in_channels=512, num_segments=4)))
    state = earlier_state("tsm_r18_blockres", "backbone.")
    state.update({"cls_head.fc_cls.weight": torch.randn(5, 512), "cls_head.fc_cls.bias": torch.randn(5)})
    torch.save({"meta": {"epoch": 3}, "state_dict": state}, tmp_path / "epoch_3.pth")
    load_checkpoint(model, tmp_path / "epoch_3.pth", strict=True)
    loaded = model.state_dict()
    assert torch.equal(loaded["backbone.layer1.0.conv1.conv.net.weight"], state["backbone.layer1.0.conv1.net.weight"])
    assert all(torch.equal(loaded[k], state[legacy_name(k)]) for k in loaded)


def test_todays_names_pass_unchanged_and_a_wrong_file_still_fails():
    model = build("resnet18")
    state = model.state_dict()
    assert rename_legacy_keys(state, state.keys()) == (state, 0)
    with pytest.raises(ValueError, match="both 'bn1.weight'"):
        rename_legacy_keys({"bn1.weight": 1, "conv1.bn.weight": 2}, state.keys())
    partial = earlier_state("resnet18")
    del partial["layer4.1.bn2.weight"]
    with pytest.raises(RuntimeError, match=r"layer4\.1\.conv2\.bn\.weight"):
        model.load_state_dict(partial, strict=True)
