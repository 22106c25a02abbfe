"""A checkpoint write that fails for a real reason a root process also meets — a file size limit reached in
mid-write (RLIMIT_FSIZE, as a full disk stops a write), a name too long for the filesystem, a directory that is
a regular file — leaves every earlier checkpoint and `latest.pth` as they were, and the error names the file and
the cause. The CheckpointHook stops training on it unless `on_error='warn'`."""
import contextlib
import errno
import resource

import pytest
import torch

from vidrun.runner import EpochBasedRunner, Hook
from vidrun.runner.checkpoint import CheckpointWriteError
from vidrun.runner.checkpointer import Checkpointer


@contextlib.contextmanager
def file_size_limit(limit):
    """Writes past `limit` bytes fail with EFBIG (Python ignores SIGXFSZ); only the soft limit is lowered."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def snapshot(directory):
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_a_write_stopped_midway_leaves_the_directory_as_it_was(tmp_path, toy_model):
    saver = Checkpointer(tmp_path)
    first = saver.save("epoch_1.pth", toy_model, meta={"iter": 6})
    before = snapshot(tmp_path)
    with file_size_limit(len(before["epoch_1.pth"]) // 2), pytest.raises(CheckpointWriteError) as caught:
        saver.save("epoch_2.pth", toy_model, meta={"iter": 12})
    assert str(caught.value) == (f"could not write checkpoint {tmp_path / 'epoch_2.pth'}: File too large; the "
                                 f"earlier checkpoints and latest.pth are unchanged")
    assert caught.value.errno == errno.EFBIG and caught.value.filename == str(tmp_path / "epoch_2.pth")
    assert snapshot(tmp_path) == before  # no partial epoch_2.pth, no temporary file, latest.pth untouched
    assert torch.load(tmp_path / "latest.pth", weights_only=True)["meta"]["iter"] == 6 and first


@pytest.mark.parametrize("case", ["name too long", "directory is a file"])
def test_other_failures_name_the_file_and_the_cause(tmp_path, toy_model, case):
    Checkpointer(tmp_path).save("epoch_1.pth", toy_model)
    (tmp_path / "plain_file").write_text("")
    before = snapshot(tmp_path)
    if case == "name too long":
        saver, name, cause = Checkpointer(tmp_path), "x" * 300 + ".pth", "File name too long"
    else:  # out_dir under a regular file
        saver, name, cause = Checkpointer(tmp_path / "plain_file" / "ckpts"), "epoch_2.pth", "Not a directory"
    with pytest.raises(CheckpointWriteError, match=f"could not write checkpoint .*{name}: {cause}"):
        saver.save(name, toy_model)
    assert snapshot(tmp_path) == before


class LimitFileSizeFrom(Hook):
    """From epoch `epoch` (0-based) on, no file may grow past `limit` bytes."""

    def __init__(self, epoch, limit, stack):
        self.epoch, self.limit, self.stack = epoch, limit, stack

    def before_train_epoch(self, runner):
        if runner.epoch == self.epoch:
            self.stack.enter_context(file_size_limit(self.limit))


def train(work_dir, make_model, make_loader, logger, **checkpoint_options):
    model = make_model()
    runner = EpochBasedRunner(model, torch.optim.SGD(model.parameters(), lr=0.1), str(work_dir), logger,
                              max_epochs=3)
    runner.register_training_hooks(dict(policy="fixed"), dict(grad_clip=None),
                                   dict(interval=1, **checkpoint_options))
    with contextlib.ExitStack() as stack:
        runner.register_hook(LimitFileSizeFrom(1, 200, stack))  # a toy checkpoint is a few kB
        runner.run([make_loader(size=8, batch_size=4)], [("train", 1)])
    return runner


def test_the_checkpoint_hook_stops_training_on_a_failed_write(tmp_path, make_model, make_loader, quiet_logger):
    with pytest.raises(CheckpointWriteError, match=r"CheckpointHook.after_train_epoch \(epoch 2, iter 5\): "
                                                   r"could not write checkpoint .*epoch_2.pth: File too large"):
        train(tmp_path, make_model, make_loader, quiet_logger)
    assert sorted(p.name for p in tmp_path.glob("*.pth")) == ["epoch_1.pth", "latest.pth"]
    assert torch.load(tmp_path / "latest.pth", weights_only=True)["meta"]["epoch"] == 1


def test_on_error_warn_logs_the_failure_and_trains_on(tmp_path, make_model, make_loader, quiet_logger):
    runner = train(tmp_path, make_model, make_loader, quiet_logger, on_error="warn")
    assert runner.epoch == 3
    warnings = [line for line in quiet_logger.lines if "on_error='warn'" in line]
    assert [w.split(":")[0] for w in warnings] == [f"could not write checkpoint {tmp_path / name}"
                                                   for name in ("epoch_2.pth", "epoch_3.pth")]
    assert torch.load(tmp_path / "latest.pth", weights_only=True)["meta"]["epoch"] == 1
    with pytest.raises(ValueError, match="checkpoint_config.on_error must be 'raise' or 'warn', not 'ignore'"):
        train(tmp_path / "bad", make_model, make_loader, quiet_logger, on_error="ignore")


def test_a_latest_pth_that_cannot_be_replaced_is_a_write_error_naming_it(tmp_path, toy_model):
    (tmp_path / "latest.pth").mkdir()  # a directory in its place: the rename over it fails with EISDIR
    (tmp_path / "latest.pth" / "keep").write_text("")
    with pytest.raises(CheckpointWriteError, match=f"could not write checkpoint {tmp_path / 'latest.pth'}: "
                                                   f"Is a directory"):
        Checkpointer(tmp_path).save("epoch_1.pth", toy_model)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_1.pth", "latest.pth"]
