"""MobileNetV2-TSM, TIN, TANet and TRN as MMAction2 0.24.1 builds them from its configs: the same state-dict
entries (key, shape, dtype, in order), an MMAction2-format checkpoint loads strictly, each shipped copy of a
config resolves to MMAction2's model, and each family runs a training step and a multi-view test."""
import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from vidrun import Config
from vidrun.models import build_model
from vidrun.runner import load_checkpoint

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
FILES = sorted((HERE / "reference_state_dicts_tin_tanet_trn").glob("*.json")) + [
    HERE / "reference_state_dicts" / "fb63b2fa5057.json"]  # TSM MobileNetV2, beside the other tsm configs
ARCHITECTURES = {p.stem: json.loads(p.read_text()) for p in FILES}
CASES = [(arch, i) for arch, ref in ARCHITECTURES.items() for i in range(len(ref["model_cfgs"]))]
SHIPPED = {c: (arch, i) for arch, ref in ARCHITECTURES.items() for i, mc in enumerate(ref["model_cfgs"])
           for c in mc["configs"] if (ROOT / "configs" / c).exists()}


def without_pretrained(cfg):
    if isinstance(cfg, dict):
        return {k: None if k == "pretrained" else without_pretrained(v) for k, v in cfg.items()}
    return cfg


def entries(module):
    return [[k, list(v.shape), str(v.dtype).removeprefix("torch.")] for k, v in module.state_dict().items()]


def case_id(case):
    arch, i = case
    return ARCHITECTURES[arch]["model_cfgs"][i]["configs"][0].split("/")[-1].removesuffix(".py")


def test_every_config_of_the_families_is_covered():
    configs = [c for ref in ARCHITECTURES.values() for mc in ref["model_cfgs"] for c in mc["configs"]]
    assert sorted({c.split("/")[1] for c in configs}) == ["tanet", "tin", "trn", "tsm"]
    assert len(configs) == 11 and len(SHIPPED) >= 1


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_state_dict_entries_are_mmaction2s(case):
    arch, i = case
    reference = ARCHITECTURES[arch]
    with torch.device("meta"):
        model = build_model(without_pretrained(copy.deepcopy(reference["model_cfgs"][i]["model"])))
    assert entries(model) == reference["state_dict"]
    assert sum(p.numel() for p in model.parameters()) == reference["num_params"]


# One architecture a family (the others differ only in sizes the key test checks).
@pytest.mark.parametrize("arch", ["fb63b2fa5057", "59e3780afe50", "47628e33a70b", "c244c5e8d51e"],
                         ids=["tsm_mobilenetv2", "tin_r50", "tanet_r50", "trn_r50"])
def test_an_mmaction2_checkpoint_loads_strictly(arch, tmp_path):
    reference = ARCHITECTURES[arch]
    model = build_model(without_pretrained(copy.deepcopy(reference["model_cfgs"][0]["model"])))
    gen = torch.Generator().manual_seed(0)
    state = {k: torch.randn(shape, generator=gen) if dtype == "float32" else torch.tensor(7)
             for k, shape, dtype in reference["state_dict"]}
    torch.save({"meta": dict(mmaction2_version="0.24.1"), "state_dict": state}, tmp_path / "mmaction2.pth")
    load_checkpoint(model, tmp_path / "mmaction2.pth", strict=True)
    loaded = model.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in state.items())


def resolved(model_cfg):
    return json.loads(json.dumps(without_pretrained(model_cfg)))


@pytest.mark.parametrize("config", sorted(SHIPPED))
def test_shipped_config_resolves_to_mmaction2s_model(config):
    arch, i = SHIPPED[config]
    expected = ARCHITECTURES[arch]["model_cfgs"][i]["model"]
    assert resolved(Config.fromfile(str(ROOT / "configs" / config)).model.to_dict()) == resolved(expected)


# Small versions of each family: (model cfg, one training clip's frames, test views × frames).
R18 = dict(depth=18, norm_eval=False)
FAMILIES = {
    "mobilenetv2_tsm": dict(type="Recognizer2D", backbone=dict(type="MobileNetV2TSM", num_segments=4,
                                                               widen_factor=0.25),
                            cls_head=dict(type="TSMHead", num_classes=5, in_channels=1280, num_segments=4)),
    "tin": dict(type="Recognizer2D", backbone=dict(type="ResNetTIN", num_segments=4, shift_div=4, **R18),
                cls_head=dict(type="TSMHead", num_classes=5, in_channels=512, num_segments=4, is_shift=False)),
    "tanet": dict(type="Recognizer2D", backbone=dict(type="TANet", depth=50, num_segments=4, num_stages=2,
                                                     out_indices=(1,)),
                  cls_head=dict(type="TSMHead", num_classes=5, in_channels=512, num_segments=4)),
    "trn": dict(type="Recognizer2D", backbone=dict(type="ResNet", depth=18, partial_bn=True),
                cls_head=dict(type="TRNHead", num_classes=5, in_channels=512, num_segments=4, hidden_dim=16)),
}


@pytest.mark.parametrize("name", FAMILIES)
def test_train_step_and_multi_view_test(name):
    torch.manual_seed(0)
    np.random.seed(0)
    model = build_model(copy.deepcopy(FAMILIES[name]))
    batch = dict(imgs=torch.randn(2, 4, 3, 16, 16), label=torch.tensor([[1], [3]]))
    out = model.train_step(batch, None)
    assert out["loss"].shape == () and torch.isfinite(out["loss"]) and out["num_samples"] == 2
    out["loss"].backward()
    assert all(p.grad is not None for p in model.cls_head.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.backbone.parameters())
    model.eval()
    scores = model(torch.randn(2, 2 * 4, 3, 16, 16), return_loss=False)
    assert scores.shape == (2, 5) and np.isfinite(scores).all()
