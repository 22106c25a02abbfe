"""`vidrun train --launcher pytorch` under torchrun: two Gloo processes on the CPU train and evaluate exactly as
one process with the same global batch; checkpoints resume across world sizes; a rank that dies or hangs ends the job with
an error instead of a hang; outside torchrun the launcher is a clean error."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from vidrun.cli.main import main
from vidrun.datasets.demo_clips import ClipSpec
from vidrun.datasets.demo_data import make_demo_data

REPO = Path(__file__).resolve().parents[2]
# Exact equality with one process needs the same global batches (no shuffle, no random augmentation) and
# BatchNorm that does not depend on the per-process batch (norm_eval: frozen statistics).
CONFIG = """
_base_ = ['{repo}/configs/_base_/default_runtime.py']
model = dict(type='Recognizer3D',
             backbone=dict(type='ResNet3d', depth=18, base_channels=4, pretrained=None, conv1_stride_t=1,
                           pool1_stride_t=1, with_pool2=False, norm_eval=True),
             cls_head=dict(type='I3DHead', num_classes=6, in_channels=32, dropout_ratio=0.0))
# The clips are made 32 x 32 (no resizing); 4 of their 8 frames, every other one.
pipeline = [dict(type='PyAVInit'),
            dict(type='SampleFrames', clip_len=4, frame_interval=2, num_clips=1, test_mode=True),
            dict(type='PyAVDecode'), dict(type='Normalize', mean=[110.0] * 3, std=[60.0] * 3, to_bgr=False),
            dict(type='FormatShape', input_format='NCTHW'), dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
            dict(type='ToTensor', keys=['imgs', 'label'])]
split = dict(type='VideoDataset', data_prefix='{data}/videos', pipeline=pipeline)
data = dict(videos_per_gpu=2, workers_per_gpu=0, train_dataloader=dict(shuffle=False),
            train=dict(split, ann_file='{data}/train.txt'), val=dict(split, ann_file='{data}/val.txt'))
optimizer = dict(type='SGD', lr=0.05, momentum=0.9)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='fixed')
runner = dict(type='EpochBasedRunner', max_epochs=2)
log_config = dict(interval=1, hooks=[dict(type='TextLoggerHook')])
dist_params = dict(backend='gloo', timeout=60)
seed = 0
"""
DIST_EVALUATION = ["evaluation.broadcast_bn_buffer=True", "evaluation.gpu_collect=True"]
STOP_HOOK = """
import os
import time

from vidrun.runner import HOOKS, Hook


@HOOKS.register_module()
class StopRank1(Hook):
    '''Rank 1 dies (os._exit) or hangs before iteration `at_iter`, as a crashed or stuck process would.'''

    def __init__(self, at_iter, hang=False):
        self.at_iter, self.hang = at_iter, hang

    def before_train_iter(self, runner):
        if runner.rank == 1 and runner.iter == self.at_iter:
            if self.hang:
                time.sleep(300)
            os._exit(1)
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("distributed")
    make_demo_data(root / "data", num_train=8, num_val=3,
                   spec=ClipSpec(size=32, num_frames=8, radius=(4.0, 5.0), speed=(1.0, 1.5)))
    (root / "tiny.py").write_text(CONFIG.format(repo=REPO, data=root / "data"))
    (root / "stop_rank1.py").write_text(STOP_HOOK)
    return root


def stopping_config(workspace, name, timeout=60, **stop):
    path = workspace / name
    path.write_text(f"_base_ = ['tiny.py']\ncustom_imports = dict(imports=['stop_rank1'])\n"
                    f"custom_hooks = [dict(type='StopRank1', **{stop!r})]\n"
                    f"dist_params = dict(backend='gloo', timeout={timeout})\n")
    return path.name


def train_in_process(workspace, work_dir, *options):
    with pytest.raises(SystemExit) as caught:
        main(["train", str(workspace / "tiny.py"), "--work-dir", str(workspace / work_dir), *options])
    assert caught.value.code == 0
    return workspace / work_dir


def torchrun(workspace, config, *options):
    """Two processes; returns (exit code, everything they printed, seconds)."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "vidrun", "train", config, "--launcher", "pytorch", *options]
    start = time.monotonic()
    done = subprocess.run(command, cwd=workspace, env=dict(os.environ, OMP_NUM_THREADS="1"), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return done.returncode, done.stdout, time.monotonic() - start


def log_lines(work_dir, mode):
    (log,) = Path(work_dir).glob("*.log.json")
    return [line for line in map(json.loads, log.read_text().splitlines()) if line.get("mode") == mode]


def train_losses(work_dir):
    return {(line["epoch"], line["iter"]): line["loss"] for line in log_lines(work_dir, "train")}


def val_scores(work_dir):
    return {line["epoch"]: line["top1_acc"] for line in log_lines(work_dir, "val")}


def weights(checkpoint):
    return torch.load(checkpoint, weights_only=True)["state_dict"]


def assert_close_weights(a, b):
    assert a.keys() == b.keys()
    assert all(torch.allclose(a[k].float(), b[k].float(), atol=1e-6) for k in a)


@pytest.fixture(scope="module")
def one_process(workspace):
    """The reference: one process reading 4 videos a step (the global batch of 2 processes x 2), 3 epochs."""
    # DistEvalHook's own keys, in a config written for several processes, are dropped in one
    return train_in_process(workspace, "one", "--validate", "--cfg-options", "data.videos_per_gpu=4",
                            "runner.max_epochs=3", *DIST_EVALUATION)


@pytest.fixture(scope="module")
def two_processes(workspace):
    code, output, _ = torchrun(workspace, "tiny.py", "--work-dir", "two", "--validate", "--cfg-options",
                               *DIST_EVALUATION)
    assert code == 0, output[-3000:]
    return workspace / "two", output


@pytest.mark.slow
def test_two_processes_train_as_one_with_the_same_global_batch(one_process, two_processes):
    work_dir, output = two_processes
    reference = {key: loss for key, loss in train_losses(one_process).items() if key[0] <= 2}
    losses = train_losses(work_dir)  # rank 0's log: the mean over both processes
    assert losses.keys() == reference.keys()
    assert losses == pytest.approx(reference, abs=2e-5)
    assert_close_weights(weights(work_dir / "epoch_2.pth"), weights(one_process / "epoch_2.pth"))
    # DistEvalHook: each process scores its share of the 3 val videos (one is padding), rank 0 evaluates
    assert val_scores(work_dir) == {epoch: val_scores(one_process)[epoch] for epoch in (1, 2)}
    meta = torch.load(work_dir / "epoch_2.pth", weights_only=True)["meta"]
    assert meta["world_size"] == 2
    # rank 0 alone writes the files and the log lines; rank 1 prints errors only
    assert len(list(work_dir.glob("*.log"))) == len(list(work_dir.glob("*.log.json"))) == 1
    assert output.count("Epoch [2][2/2]") == 1 and output.count("distributed: 2 processes, backend gloo") == 1


@pytest.mark.slow
def test_a_two_process_checkpoint_resumes_in_one_process(workspace, one_process, two_processes):
    work_dir = train_in_process(workspace, "two_to_one", "--resume-from", str(two_processes[0] / "epoch_2.pth"),
                                "--cfg-options", "data.videos_per_gpu=4", "runner.max_epochs=3")
    assert sorted(train_losses(work_dir)) == [(3, 1), (3, 2)]
    assert "saved with world size 2 and this run has 1" in next(work_dir.glob("*.log")).read_text()
    # epochs end at a checkpoint: with the same global batch, the run goes on exactly as the reference
    assert_close_weights(weights(work_dir / "epoch_3.pth"), weights(one_process / "epoch_3.pth"))


@pytest.mark.slow
def test_a_rank_that_dies_ends_the_job_with_an_error(workspace, one_process):
    # Resumed from the one-process run's epoch 1 (exact: same global batch), rank 1 dies at iteration 4.
    config = stopping_config(workspace, "dies.py", at_iter=3)
    code, output, seconds = torchrun(workspace, config, "--work-dir", "dies", "--resume-from",
                                     str(one_process / "epoch_1.pth"), "--cfg-options", "runner.max_epochs=3")
    assert code != 0 and seconds < 60
    assert "vidrun FAILED" in output and "exitcode: 1" in output
    log = next((workspace / "dies").glob("*.log")).read_text()
    assert "saved with world size 1 and this run has 2" in log
    assert train_losses(workspace / "dies") == pytest.approx({(2, 1): train_losses(one_process)[(2, 1)]}, abs=2e-5)


@pytest.mark.slow
def test_a_rank_that_hangs_is_given_up_after_the_dist_params_timeout(workspace):
    config = stopping_config(workspace, "hangs.py", at_iter=0, hang=True, timeout=5)
    # torchrun stops the hung rank 1 with SIGTERM; as a preemption request that would wait for the end of its
    # iteration, i.e. for torchrun's SIGKILL 30 s later (docs/workflow.md): here SIGTERM ends it at once
    with open(workspace / config, "a") as f:
        f.write("preemption = None\n")
    code, output, seconds = torchrun(workspace, config, "--work-dir", "hangs")
    assert code != 0 and seconds < 60
    assert "Timed out waiting 5000ms" in output


def test_launcher_pytorch_outside_torchrun_is_a_clean_error(workspace, monkeypatch, capsys):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as caught:
        main(["train", str(workspace / "tiny.py"), "--work-dir", str(workspace / "no_launcher"),
              "--launcher", "pytorch"])
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("vidrun: error: --launcher pytorch:") and "torchrun --nproc_per_node" in error
    assert not (workspace / "no_launcher").exists()
