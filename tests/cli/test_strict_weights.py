"""`vidrun test`, `vidrun infer` and `init_recognizer` load a checkpoint strictly: weights that do not fit the
model end with an error listing the mismatch by module (exit code 2), never a test with random layers; the key
layouts vidrun knows (MMAction2's, an earlier vidrun's) load."""
import json
from pathlib import Path

import pytest
import torch

from vidrun.apis import init_recognizer
from vidrun.apis.test import WeightsMismatchError
from vidrun.cli.main import main
from vidrun.config import Config
from vidrun.datasets.demo_clips import ClipSpec
from vidrun.datasets.demo_data import make_demo_data
from vidrun.models import build_model
from vidrun.models.legacy_keys import legacy_name

from tests.cli.test_train_test import REPO, TINY_CONFIG


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("strict")
    make_demo_data(str(root / "data/demo"), num_train=2, num_val=3,
                   spec=ClipSpec(size=48, num_frames=8, radius=(5.0, 7.0)))
    text = TINY_CONFIG.format(repo=REPO, epochs=1).replace("'data/demo", f"'{root}/data/demo")
    (root / "tiny.py").write_text(text)
    torch.manual_seed(0)
    model = build_model(Config.fromfile(str(root / "tiny.py")).model)
    weights = model.state_dict()
    # MMAction2's file layout: {'meta': ..., 'state_dict': ...} with the model's own (MMAction2) key names
    torch.save(dict(meta=dict(epoch=3), state_dict=weights), root / "mmaction2.pth")
    torch.save(dict(meta={}, state_dict={legacy_name(k): v for k, v in weights.items()}), root / "earlier.pth")
    foreign = {("backbone.stem." + k[len("backbone.conv1."):] if k.startswith("backbone.conv1.") else k): v
               for k, v in weights.items()}
    torch.save(dict(meta={}, state_dict=foreign), root / "foreign.pth")
    fewer = dict(weights, **{"cls_head.fc_cls.weight": weights["cls_head.fc_cls.weight"][:4],
                             "cls_head.fc_cls.bias": weights["cls_head.fc_cls.bias"][:4]})
    torch.save(dict(meta={}, state_dict=fewer), root / "four_classes.pth")
    return root


def run(argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    return caught.value.code


def scores(root, checkpoint, capsys):
    out = root / f"{checkpoint}.json"
    assert run(["test", str(root / "tiny.py"), str(root / checkpoint), "--out", str(out)]) == 0
    return [video["scores"] for video in json.loads(out.read_text())], capsys.readouterr().err


def test_mmaction2_and_earlier_vidrun_layouts_load_and_test_the_same(workspace, capsys):
    reference, err = scores(workspace, "mmaction2.pth", capsys)
    assert "strictly" in err and "earlier key names" not in err
    earlier, err = scores(workspace, "earlier.pth", capsys)
    assert earlier == reference
    assert "the weights use vidrun's earlier key names" in err  # it says which layout it recognised


def test_unmatched_keys_stop_the_test_with_the_mismatch_by_module(workspace, capsys):
    assert run(["test", str(workspace / "tiny.py"), str(workspace / "foreign.pth")]) == 2
    captured = capsys.readouterr()
    assert "top1_acc" not in captured.out  # nothing was tested
    assert "missing keys in backbone: conv1.conv.weight, conv1.bn.weight" in captured.err
    assert "unexpected keys in backbone: stem.conv.weight, stem.bn.weight" in captured.err
    assert "is it the config the checkpoint was trained with?" in captured.err
    assert "strict=False" not in captured.err


def test_a_differently_shaped_head_stops_the_test(workspace, capsys):
    assert run(["test", str(workspace / "tiny.py"), str(workspace / "four_classes.pth")]) == 2
    err = capsys.readouterr().err
    assert "size mismatch for cls_head.fc_cls.weight: checkpoint (4, 64), model (6, 64)" in err


def test_infer_and_init_recognizer_load_strictly(workspace, capsys):
    video = str(workspace / "data/demo/videos/val_0000.mp4")
    assert run(["infer", str(workspace / "tiny.py"), str(workspace / "foreign.pth"), video]) == 2
    assert "missing keys in backbone" in capsys.readouterr().err
    with pytest.raises(WeightsMismatchError, match="unexpected keys in backbone: stem.conv.weight"):
        init_recognizer(str(workspace / "tiny.py"), str(workspace / "foreign.pth"))
    model = init_recognizer(str(workspace / "tiny.py"), str(workspace / "earlier.pth"))
    expected = torch.load(workspace / "mmaction2.pth")["state_dict"]
    assert all(torch.equal(value, expected[key]) for key, value in model.state_dict().items())
