"""`vidrun train` and `vidrun test` end to end on a small generated set, in a temporary working directory."""
import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from vidrun.cli.main import main
from vidrun.datasets.demo_clips import ClipSpec
from vidrun.datasets.demo_data import make_demo_data

REPO = Path(__file__).resolve().parents[2]
TINY_CONFIG = """
_base_ = ['{repo}/configs/_base_/default_runtime.py']
model = dict(type='Recognizer3D',
             backbone=dict(type='ResNet3d', depth=18, base_channels=8, pretrained=None, conv1_stride_t=1,
                           pool1_stride_t=1, with_pool2=False),
             cls_head=dict(type='I3DHead', num_classes=6, in_channels=64, dropout_ratio=0.0),
             test_cfg=dict(average_clips='prob'))
norm = dict(mean=[110.0, 110.0, 110.0], std=[60.0, 60.0, 60.0], to_bgr=False)
pipeline = [dict(type='PyAVInit'), dict(type='SampleFrames', clip_len=4, frame_interval=2, num_clips=1,
                                          test_mode=True),
            dict(type='PyAVDecode'), dict(type='Resize', scale=(32, 32), keep_ratio=False),
            dict(type='Normalize', **norm), dict(type='FormatShape', input_format='NCTHW'),
            dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]), dict(type='ToTensor', keys=['imgs', 'label'])]
split = dict(type='VideoDataset', data_prefix='data/demo/videos', pipeline=pipeline)
data = dict(videos_per_gpu=4, workers_per_gpu=0, train=dict(split, ann_file='data/demo/train.txt'),
            val=dict(split, ann_file='data/demo/val.txt'), test=dict(split, ann_file='data/demo/val.txt'))
optimizer = dict(type='Adam', lr=0.003)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='fixed')
runner = dict(type='EpochBasedRunner', max_epochs={epochs})
evaluation = dict(interval=1, save_best='top1_acc')
log_config = dict(interval=2, hooks=[dict(type='TextLoggerHook')])
seed = 0
"""


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_demo_data("data/demo", num_train=12, num_val=6, spec=ClipSpec(size=48, num_frames=8, radius=(5.0, 7.0)))
    return tmp_path


def run(argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    return caught.value.code


def val_lines(work_dir):
    (log,) = Path(work_dir).glob("*.log.json")
    return [json.loads(line) for line in log.read_text().splitlines() if '"mode": "val"' in line]


def test_train_then_test_reproduces_the_logged_accuracy(workspace, capsys):
    (workspace / "tiny.py").write_text(TINY_CONFIG.format(repo=REPO, epochs=3))
    assert run(["train", "tiny.py", "--work-dir", "wd"]) == 0
    assert (workspace / "wd" / "tiny.py").is_file()  # the resolved config
    lines = val_lines("wd")
    assert [line["epoch"] for line in lines] == [1, 2, 3]
    best = max(lines, key=lambda line: line["top1_acc"])  # the first of the best, as save_best keeps it
    checkpoint = workspace / "wd" / f"best_top1_acc_epoch_{best['epoch']}.pth"
    assert checkpoint.is_file()
    capsys.readouterr()
    assert run(["test", "tiny.py", str(checkpoint), "--out", "scores.json"]) == 0
    out = capsys.readouterr().out
    assert f"top1_acc             {best['top1_acc']:.4f}" in out
    scores = json.loads((workspace / "scores.json").read_text())
    assert len(scores) == 6 and len(scores[0]["scores"]) == 6 and scores[0]["filename"].endswith("val_0000.mp4")
    # a .pkl file holds what MMAction2's tools/test.py --out writes there: a list of float32 arrays
    assert run(["test", "tiny.py", str(checkpoint), "--out", "scores.pkl"]) == 0
    with open(workspace / "scores.pkl", "rb") as f:
        arrays = pickle.load(f)
    assert [a.dtype for a in arrays] == [np.float32] * 6
    np.testing.assert_allclose(np.stack(arrays), [s["scores"] for s in scores], rtol=1e-6)
    capsys.readouterr()
    # infer reads one video with the test pipeline: the same best class as the test of that video
    assert run(["infer", "tiny.py", str(checkpoint), "data/demo/videos/val_0002.mp4", "--label-map",
                "data/demo/classes.txt", "--topk", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = max(range(6), key=lambda c: scores[2]["scores"][c])
    names = (workspace / "data/demo/classes.txt").read_text().split()
    assert lines[0] == "data/demo/videos/val_0002.mp4" and lines[1].split()[1] == names[expected]
    assert float(lines[1].split()[2]) == pytest.approx(scores[2]["scores"][expected], abs=1e-4)
    assert len(lines) == 3


def test_auto_resume_continues_the_run(workspace):
    (workspace / "tiny.py").write_text(TINY_CONFIG.format(repo=REPO, epochs=1))
    assert run(["train", "tiny.py", "--work-dir", "wd"]) == 0
    (workspace / "tiny2.py").write_text(TINY_CONFIG.format(repo=REPO, epochs=2))
    assert run(["train", "tiny2.py", "--work-dir", "wd", "--auto-resume"]) == 0
    assert (workspace / "wd" / "epoch_2.pth").is_file()
    logs = sorted(Path("wd").glob("*.log"))
    assert "continuing from" in logs[-1].read_text()


def test_the_shipped_demo_config_trains(workspace):
    shutil.rmtree("data/demo")
    make_demo_data("data/demo", num_train=12, num_val=6)  # the demo's own frame size and length
    config = str(REPO / "configs" / "demo" / "tsm_r18_demo.py")
    assert run(["train", config, "--work-dir", "wd", "--cfg-options", "runner.max_epochs=1",
                "data.workers_per_gpu=0", "lr_config.warmup_iters=1"]) == 0
    assert val_lines("wd")[0]["top1_acc"] >= 0


def test_infer_on_a_missing_video_is_an_error(workspace, capsys):
    (workspace / "tiny.py").write_text(TINY_CONFIG.format(repo=REPO, epochs=1))
    assert run(["infer", "tiny.py", "no_checkpoint.pth", "clip.mp4"]) == 2
    assert "no_checkpoint.pth does not exist" in capsys.readouterr().err


def test_config_errors_exit_with_code_2(workspace, capsys):
    (workspace / "bad.py").write_text(TINY_CONFIG.format(repo=REPO, epochs=1).replace("I3DHead", "I3DHaed"))
    assert run(["train", "bad.py", "--work-dir", "wd"]) == 2
    assert "'I3DHaed' is not in HEADS (did you mean 'I3DHead'?)" in capsys.readouterr().err
    assert not os.path.exists("wd/latest.pth")


def test_a_checkpoint_with_ema_averages_is_tested_with_them(workspace, capsys):
    # EMAHook at NORMAL, after the CheckpointHook: epoch_N.pth holds the training weights in the parameters and
    # the average in the ema_* buffers; the evaluation (after the swap) and the best file hold the average.
    config = TINY_CONFIG.format(repo=REPO, epochs=2)
    config += "custom_hooks = [dict(type='EMAHook', momentum=0.5, warm_up=1)]\n"
    (workspace / "tiny.py").write_text(config)
    assert run(["train", "tiny.py", "--work-dir", "wd"]) == 0
    logged = val_lines("wd")[-1]["top1_acc"]
    scores = {}
    for ema in ("auto", "off"):
        capsys.readouterr()
        assert run(["test", "tiny.py", "wd/epoch_2.pth", "--ema", ema, "--out", f"{ema}.json"]) == 0
        scores[ema] = [video["scores"] for video in json.loads((workspace / f"{ema}.json").read_text())]
        if ema == "auto":
            assert f"top1_acc             {logged:.4f}" in capsys.readouterr().out  # what the evaluation saw
    assert scores["auto"] != scores["off"]
    (best,) = Path("wd").glob("best_top1_acc_epoch_*.pth")
    assert run(["test", "tiny.py", str(best), "--out", "best.json"]) == 0
    if best.name.endswith("_2.pth"):
        assert [v["scores"] for v in json.loads((workspace / "best.json").read_text())] == scores["auto"]
