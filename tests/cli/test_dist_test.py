"""`vidrun test --launcher pytorch` under torchrun (two Gloo processes on the CPU) scores every video once, in
data-set order, exactly as one process does, on a set whose size (7) two processes do not divide."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vidrun.cli.main import main
from vidrun.config import Config
from vidrun.datasets.demo_clips import ClipSpec
from vidrun.datasets.demo_data import make_demo_data
from vidrun.models import build_model
from vidrun.runner import save_checkpoint

REPO = Path(__file__).resolve().parents[2]
CONFIG = """
model = dict(type='Recognizer3D',
             backbone=dict(type='ResNet3d', depth=18, base_channels=8, pretrained=None, conv1_stride_t=1,
                           pool1_stride_t=1, with_pool2=False),
             cls_head=dict(type='I3DHead', num_classes=6, in_channels=64, dropout_ratio=0.0),
             test_cfg=dict(average_clips='prob'))
pipeline = [dict(type='PyAVInit'), dict(type='SampleFrames', clip_len=4, frame_interval=2, num_clips=1,
                                          test_mode=True),
            dict(type='PyAVDecode'), dict(type='Resize', scale=(32, 32), keep_ratio=False),
            dict(type='Normalize', mean=[110.0] * 3, std=[60.0] * 3, to_bgr=False),
            dict(type='FormatShape', input_format='NCTHW'),
            dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]), dict(type='ToTensor', keys=['imgs', 'label'])]
data = dict(videos_per_gpu=3, workers_per_gpu=0,
            test=dict(type='VideoDataset', ann_file='data/val.txt', data_prefix='data/videos', pipeline=pipeline))
dist_params = dict(backend='gloo', timeout=120)
"""


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_demo_data("data", num_train=1, num_val=7, spec=ClipSpec(size=48, num_frames=8, radius=(5.0, 7.0)))
    Path("tiny.py").write_text(CONFIG)
    torch.manual_seed(0)
    model = build_model(Config.fromfile("tiny.py").model)
    torch.nn.init.normal_(model.cls_head.fc_cls.weight, std=1.0)  # scores far apart: a swap would show
    save_checkpoint(model, "model.pth")
    return tmp_path


def run(argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    return caught.value.code


@pytest.mark.slow
def test_two_processes_score_like_one(workspace, capsys):
    assert run(["test", "tiny.py", "model.pth", "--out", "one.json"]) == 0
    one_metrics = capsys.readouterr().out.split("\n", 1)[1]  # after "per-video scores saved to ..."
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(REPO))
    # --standalone: torchrun's store takes a free port itself, so parallel test runs cannot race for one
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "vidrun",
               "test", "tiny.py", "model.pth", "--launcher", "pytorch", "--out", "two.json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    # rank 0 alone prints: the metrics once, the summary line once
    assert done.stdout.count("per-video scores saved to two.json") == 1
    assert done.stdout.split("\n", 1)[1] == one_metrics
    assert done.stderr.count("tested 7 videos in ") == 1
    one, two = (json.loads(Path(name).read_text()) for name in ("one.json", "two.json"))
    assert [r["filename"] for r in two] == [f"data/videos/val_{i:04d}.mp4" for i in range(7)]
    assert [r["label"] for r in two] == [r["label"] for r in one]
    for a, b in zip(one, two):
        assert b["scores"] == pytest.approx(a["scores"], abs=1e-5)
    spread = min(max(abs(x - y) for x, y in zip(a["scores"], b["scores"])) for a in one for b in one if a is not b)
    assert spread > 1e-3  # the videos' scores differ by far more than the tolerance, so the order is checked


def test_launcher_pytorch_outside_torchrun_is_a_clean_error(workspace, monkeypatch, capsys):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert run(["test", "tiny.py", "model.pth", "--launcher", "pytorch"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("vidrun: error: --launcher pytorch:") and "torchrun --nproc_per_node" in error
