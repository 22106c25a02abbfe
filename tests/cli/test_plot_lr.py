"""`vidrun plot-lr`: the values the real lr/momentum hooks write at each iteration, drawn and saved as JSON."""
import json

import pytest
from PIL import Image

from vidrun.cli.main import main

CONFIG = """
model = dict(type='Recognizer2D', backbone=dict(type='ResNet', depth=18),
             cls_head=dict(type='TSNHead', num_classes=3, in_channels=512))
data = dict(videos_per_gpu=2, train=dict(type='VideoDataset', ann_file='missing.txt', pipeline=[]))
optimizer = dict(type='SGD', lr=0.1, momentum=0.9, paramwise_cfg=dict(bias_lr_mult=2.0))
lr_config = dict(policy='step', step=[1], gamma=0.1, warmup='linear', warmup_iters=2, warmup_ratio=0.5)
momentum_config = dict(policy='step', step=[1], gamma=0.5)
runner = dict(type='EpochBasedRunner', max_epochs=2)
"""


def run(argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    return caught.value.code


def test_values_per_iteration_and_group(tmp_path):
    (tmp_path / "cfg.py").write_text(CONFIG)
    assert run(["plot-lr", str(tmp_path / "cfg.py"), "--out", str(tmp_path / "lr.png"), "--json",
                str(tmp_path / "lr.json"), "--iters-per-epoch", "3"]) == 0
    assert Image.open(tmp_path / "lr.png").size == (800, 600)  # lr and momentum: what it holds, tests/apis
    trace = json.loads((tmp_path / "lr.json").read_text())
    assert trace["iters_per_epoch"] == 3 and trace["max_iters"] == 6 and len(trace["lr"]) == 6
    # linear warm-up over 2 iterations from half the lr, then step at epoch 1: by hand
    expected = [0.05, 0.075, 0.1, 0.01, 0.01, 0.01]
    for row, lr in zip(trace["lr"], expected):
        assert sorted(set(round(v, 12) for v in row)) == pytest.approx([lr, 2 * lr])  # weights, biases (x2)
    assert [sorted(set(row)) for row in trace["momentum"]] == [[0.9]] * 3 + [[0.45]] * 3


def test_without_data_the_iterations_per_epoch_are_needed(tmp_path, capsys):
    (tmp_path / "cfg.py").write_text(CONFIG)
    assert run(["plot-lr", str(tmp_path / "cfg.py"), "--out", str(tmp_path / "lr.png")]) == 2
    err = capsys.readouterr().err
    assert "annotation file not found: missing.txt; without the data, pass --iters-per-epoch N" in err


GAN_MODEL = """
import torch
from torch import nn
from vidrun.models import RECOGNIZERS


@RECOGNIZERS.register_module()
class PlotLrPair(nn.Module):
    def __init__(self):
        super().__init__()
        self.generator = nn.Linear(2, 2)
        self.discriminator = nn.Linear(2, 1)
"""

GAN_CONFIG = """
custom_imports = dict(imports=['plot_lr_pair'])
model = dict(type='PlotLrPair')
optimizer = dict(generator=dict(type='Adam', lr=0.01, betas=(0.5, 0.999)),
                 discriminator=dict(type='SGD', lr=0.1, momentum=0.9, paramwise_cfg=dict(bias_lr_mult=2.0)))
lr_config = dict(policy='step', step=[1], gamma=0.1)
runner = dict(type='EpochBasedRunner', max_epochs=2)
"""


def test_several_optimizers_are_traced_column_by_column(tmp_path, monkeypatch):
    (tmp_path / "plot_lr_pair.py").write_text(GAN_MODEL)
    (tmp_path / "gan.py").write_text(GAN_CONFIG)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert run(["plot-lr", str(tmp_path / "gan.py"), "--out", str(tmp_path / "lr.png"), "--json",
                str(tmp_path / "lr.json"), "--iters-per-epoch", "2"]) == 0
    trace = json.loads((tmp_path / "lr.json").read_text())
    assert trace["groups"] == ["generator.0", "discriminator.0", "discriminator.1"]
    assert [v for row in trace["lr"] for v in row] == pytest.approx([0.01, 0.1, 0.2] * 2 + [0.001, 0.01, 0.02] * 2)
    assert trace["momentum"] == [[0.5, 0.9, 0.9]] * 4
    assert Image.open(tmp_path / "lr.png").size == (800, 600)
