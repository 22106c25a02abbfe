"""Preemption end to end: `vidrun train` processes receive real SIGTERM / SIGUSR1 signals at chosen points
(mid-training, before an evaluation, during checkpoint writes, at the last iteration of an epoch), stop after
the current iteration with exit status 75 and a `preempt_iter_N.pth` that `latest.pth` points to, and
`--auto-resume` ends with the same weights, bit for bit, as a run that was never stopped. Under torchrun, a
signal to one rank stops both at the same iteration."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vidrun.cli.main import main
from vidrun.datasets.demo_clips import ClipSpec
from vidrun.datasets.demo_data import make_demo_data
from vidrun.runner.preemption import PREEMPTED_EXIT_CODE

REPO = Path(__file__).resolve().parents[2]
# 8 videos, 2 a batch: 4 iterations an epoch, 3 epochs; shuffled, so the resumed generators matter.
CONFIG = """
_base_ = ['{repo}/configs/_base_/default_runtime.py']
model = dict(type='Recognizer3D',
             backbone=dict(type='ResNet3d', depth=18, base_channels=4, pretrained=None, conv1_stride_t=1,
                           pool1_stride_t=1, with_pool2=False),
             cls_head=dict(type='I3DHead', num_classes=6, in_channels=32, dropout_ratio=0.5))
pipeline = [dict(type='PyAVInit'),
            dict(type='SampleFrames', clip_len=4, frame_interval=2, num_clips=1),
            dict(type='PyAVDecode'), dict(type='Flip', flip_ratio=0.5),
            dict(type='Normalize', mean=[110.0] * 3, std=[60.0] * 3, to_bgr=False),
            dict(type='FormatShape', input_format='NCTHW'), dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
            dict(type='ToTensor', keys=['imgs', 'label'])]
split = dict(type='VideoDataset', data_prefix='{data}/videos', pipeline=pipeline)
data = dict(videos_per_gpu=2, workers_per_gpu=0,
            train=dict(split, ann_file='{data}/train.txt'), val=dict(split, ann_file='{data}/val.txt'))
optimizer = dict(type='SGD', lr=0.05, momentum=0.9)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='step', step=[2])
runner = dict(type='EpochBasedRunner', max_epochs=3)
evaluation = dict(interval=1)
log_config = dict(interval=1, hooks=[dict(type='TextLoggerHook')])
dist_params = dict(backend='gloo', timeout=60)
seed = 0
"""
SIGNAL_HOOK = '''
import os
import signal

import vidrun.runner.checkpoint as checkpoint_module
from vidrun.runner import HOOKS, Hook


@HOOKS.register_module()
class SignalAt(Hook):
    """Sends itself `signals` (real ones, with os.kill) before train iteration `at_iter` on rank `rank`, or
    in after_train_epoch once `at_iter` iterations are done (`at_epoch_end`), or, with `during_save`, in the
    middle of every checkpoint write from iteration `at_iter` on (one signal before the bytes, one after)."""

    def __init__(self, at_iter, signals=('SIGTERM',), rank=0, at_epoch_end=False, during_save=False,
                 to_group=False):
        self.at_iter, self.signals, self.rank, self.to_group = at_iter, signals, rank, to_group
        self.at_epoch_end, self.during_save = at_epoch_end, during_save

    def send(self, *names):
        for name in names:
            os.kill(os.getpid(), getattr(signal, name))

    def before_run(self, runner):
        if self.during_save:
            original = checkpoint_module.atomic_write

            def interrupted(filename, write):
                def write_with_signals(f):
                    if runner.iter >= self.at_iter:
                        self.send(self.signals[0])
                    write(f)
                    if runner.iter >= self.at_iter:
                        self.send(*self.signals[1:])
                original(filename, write_with_signals)
            checkpoint_module.atomic_write = interrupted

    def before_train_iter(self, runner):
        if not (self.at_epoch_end or self.during_save) and runner.rank == self.rank and runner.iter == self.at_iter:
            if self.to_group:  # the main process and its loader workers, as a scheduler signals a job
                os.killpg(os.getpgid(0), getattr(signal, self.signals[0]))
            else:
                self.send(*self.signals)

    def after_train_epoch(self, runner):
        if self.at_epoch_end and runner.iter == self.at_iter:
            self.send(*self.signals)
'''


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("preemption")
    make_demo_data(root / "data", num_train=8, num_val=2,
                   spec=ClipSpec(size=32, num_frames=8, radius=(4.0, 5.0), speed=(1.0, 1.5)))
    (root / "tiny.py").write_text(CONFIG.format(repo=REPO, data=root / "data"))
    (root / "signal_at.py").write_text(SIGNAL_HOOK)
    return root


def vidrun_train(workspace, config, work_dir, *options, nproc=1):
    """Runs `vidrun train` in its own process (two under torchrun); returns (exit code, output)."""
    launch = ([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", "-m"]
              if nproc > 1 else [sys.executable, "-m"])
    command = [*launch, "vidrun", "train", config, "--work-dir", work_dir, *options]
    if nproc > 1:
        command += ["--launcher", "pytorch"]
    done = subprocess.run(command, cwd=workspace, env=dict(os.environ, OMP_NUM_THREADS="1"), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=180, start_new_session=True)
    return done.returncode, done.stdout


def signalled_config(workspace, name, priority="NORMAL", **signal_at):
    (workspace / name).write_text(f"_base_ = ['tiny.py']\ncustom_imports = dict(imports=['signal_at'])\n"
                                  f"custom_hooks = [dict(type='SignalAt', priority={priority!r}, **{signal_at!r})]\n")
    return name


def state_dict(path):
    return torch.load(path, weights_only=True)["state_dict"]


def assert_same_weights(a, b):
    a, b = state_dict(a), state_dict(b)
    assert a.keys() == b.keys()
    assert [k for k in a if not torch.equal(a[k], b[k])] == []


@pytest.fixture(scope="module")
def uninterrupted(workspace):
    code, output = vidrun_train(workspace, "tiny.py", "straight", "--validate")
    assert code == 0, output[-3000:]
    return workspace / "straight"


def preempt_and_resume(workspace, name, expected_iter, *options, **signal_at):
    """Train with the signals of `signal_at`, check the stop, then `--auto-resume` to the end."""
    config = signalled_config(workspace, f"{name}.py", **signal_at)
    work_dir = workspace / name
    code, output = vidrun_train(workspace, config, name, "--validate", *options)
    assert code == PREEMPTED_EXIT_CODE, output[-3000:]
    preempt = work_dir / f"preempt_iter_{expected_iter}.pth"
    assert os.path.samefile(work_dir / "latest.pth", preempt)
    assert torch.load(preempt, weights_only=True)["meta"]["iter"] == expected_iter
    assert f"after iteration {expected_iter}: saved {preempt}; exiting with status 75" in output
    assert not list(work_dir.glob(".*tmp*"))  # no half-written file left behind
    code, output = vidrun_train(workspace, "tiny.py", name, "--validate", "--auto-resume", *options)
    assert code == 0, output[-3000:]
    assert f"continuing from {name}/latest.pth" in output
    assert not preempt.exists()  # superseded by the next checkpoint
    return work_dir


@pytest.mark.slow
def test_sigterm_mid_training_stops_after_the_iteration_and_resumes_exactly(workspace, uninterrupted):
    work_dir = preempt_and_resume(workspace, "mid_training", expected_iter=6, at_iter=5)
    assert (work_dir / "epoch_1.pth").exists()  # the interval checkpoints stay beside it
    assert_same_weights(work_dir / "epoch_3.pth", uninterrupted / "epoch_3.pth")


@pytest.mark.slow
def test_sigusr1_at_the_last_iteration_of_an_epoch(workspace, uninterrupted):
    # the stop comes before the epoch's end: the resumed run evaluates and saves epoch 2 itself
    work_dir = preempt_and_resume(workspace, "epoch_end", expected_iter=8, at_iter=7, signals=("SIGUSR1",))
    assert_same_weights(work_dir / "epoch_2.pth", uninterrupted / "epoch_2.pth")
    assert_same_weights(work_dir / "epoch_3.pth", uninterrupted / "epoch_3.pth")


@pytest.mark.slow
def test_a_signal_before_the_evaluation_stops_once_it_is_done(workspace, uninterrupted):
    # LOW, registered before the EvalHook (also LOW): the signal arrives just before epoch 1 is evaluated
    work_dir = preempt_and_resume(workspace, "during_eval", expected_iter=4, priority="LOW", at_iter=4,
                                  at_epoch_end=True)
    first_run = sorted(work_dir.glob("*.log.json"))[0]  # <timestamp>.log.json: the run that was signalled
    assert '"mode": "val", "epoch": 1' in first_run.read_text().replace("\n", " ")
    assert_same_weights(work_dir / "epoch_3.pth", uninterrupted / "epoch_3.pth")


@pytest.mark.slow
def test_signals_during_checkpoint_writes_including_a_second_one_during_the_preemption_save(
        workspace, uninterrupted):
    # SIGTERM before the bytes of epoch_1.pth, SIGUSR1 after them, and both again inside preempt_iter_4.pth
    work_dir = preempt_and_resume(workspace, "during_save", expected_iter=4, at_iter=3, during_save=True,
                                  signals=("SIGTERM", "SIGUSR1"))
    assert_same_weights(work_dir / "epoch_1.pth", uninterrupted / "epoch_1.pth")
    assert_same_weights(work_dir / "epoch_3.pth", uninterrupted / "epoch_3.pth")


@pytest.mark.slow
def test_a_signal_to_the_process_group_spares_the_loader_workers(workspace):
    work_dir = preempt_and_resume(workspace, "workers", 6, "--cfg-options", "data.workers_per_gpu=2",
                                  at_iter=5, to_group=True)
    assert (work_dir / "epoch_3.pth").exists()


@pytest.mark.slow
def test_under_torchrun_a_signal_to_one_rank_stops_both_at_the_same_iteration(workspace):
    config = signalled_config(workspace, "rank1.py", at_iter=2, rank=1)
    code, output = vidrun_train(workspace, config, "two", "--validate", nproc=2)
    # torchrun ends with 1 whatever its workers' codes; it reports theirs
    assert code == 1 and "exitcode  : 75" in output, output[-3000:]
    work_dir = workspace / "two"
    assert os.path.samefile(work_dir / "latest.pth", work_dir / "preempt_iter_3.pth")
    # rank 0 was not signalled: it learns of the stop from the all-reduce, at the same iteration as rank 1
    assert "preempted by a stop request on another process after iteration 3: saved" in output
    assert "Preempted: stopped by SIGTERM after iteration 3" in output  # rank 1's own line
    code, output = vidrun_train(workspace, "tiny.py", "two", "--validate", "--auto-resume", nproc=2)
    assert code == 0, output[-3000:]
    assert sorted(p.name for p in work_dir.glob("*.pth")) == ["epoch_1.pth", "epoch_2.pth", "epoch_3.pth",
                                                              "latest.pth"]


def test_vidrun_train_returns_75_once_the_checkpoint_is_written(workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    monkeypatch.syspath_prepend(str(workspace))
    config = signalled_config(workspace, "in_process.py", at_iter=1, signals=("SIGUSR1",))
    with pytest.raises(SystemExit) as caught:
        main(["train", config, "--work-dir", "in_process", "--cfg-options", "runner.max_epochs=1"])
    assert caught.value.code == PREEMPTED_EXIT_CODE == 75
    assert os.path.samefile(workspace / "in_process" / "latest.pth", workspace / "in_process" / "preempt_iter_2.pth")
    log = next((workspace / "in_process").glob("*.log")).read_text()
    assert "preemption: SIGTERM or SIGUSR1 stop the run at the end of the current iteration" in log
    assert "preempted by SIGUSR1 after iteration 2" in log
