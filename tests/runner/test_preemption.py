"""Preemption on a real runner in this process, with real signals sent with os.kill: the handler only sets a
flag, the stop comes after the iteration with a `preempt_iter_N.pth` that `latest.pth` names, resuming from it
ends bit for bit where an uninterrupted run ends, and the previous handlers come back afterwards."""
import os
import signal

import pytest
import torch

from vidrun.config.keys import validate_top_level
from vidrun.runner import EpochBasedRunner, Hook, IterBasedRunner, PreemptionHook
from vidrun.runner.checkpointer import Checkpointer, find_latest_checkpoint
from vidrun.runner.preemption import PREEMPTED_EXIT_CODE, Preempted, StopRequest, signal_numbers


class SignalBefore(Hook):
    """Sends this process `names` before train iteration `at` (0-based)."""

    def __init__(self, at, *names):
        self.at, self.names = at, names

    def before_train_iter(self, runner):
        if runner.iter == self.at:
            for name in self.names:
                os.kill(os.getpid(), getattr(signal, name))


def train(work_dir, runner_cls, make_model, make_loader, logger, signal_at=None, resume=None, names=("SIGTERM",)):
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    length = {"max_epochs": 3} if runner_cls is EpochBasedRunner else {"max_iters": 14}
    runner = runner_cls(model, optimizer, str(work_dir), logger, **length)
    runner.register_training_hooks(dict(policy="step", step=[2] if runner.unit == "epoch" else [7]),
                                   dict(grad_clip=None), dict(interval=2))
    if signal_at is not None:
        runner.register_hook(SignalBefore(signal_at, *names))
    runner.register_hook(PreemptionHook(), priority="LOWEST")
    if resume is not None:
        runner.resume(resume)
    runner.run([make_loader(size=24, batch_size=4)], [("train", 1)])
    return model


@pytest.mark.parametrize("runner_cls", [EpochBasedRunner, IterBasedRunner])
def test_a_signal_stops_after_the_iteration_and_the_resume_is_exact(tmp_path, runner_cls, make_model, make_loader,
                                                                    quiet_logger):
    straight = train(tmp_path / "straight", runner_cls, make_model, make_loader, quiet_logger)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Preempted) as caught:
        # SIGTERM then SIGUSR1 in the same iteration: the first one names the stop
        train(tmp_path / "cut", runner_cls, make_model, make_loader, quiet_logger, signal_at=8,
              names=("SIGTERM", "SIGUSR1"))
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is given back
    preempt = tmp_path / "cut" / "preempt_iter_9.pth"
    assert (caught.value.signal_name, caught.value.iteration, caught.value.checkpoint) == ("SIGTERM", 9, str(preempt))
    assert os.path.samefile(tmp_path / "cut" / "latest.pth", preempt)
    assert find_latest_checkpoint(tmp_path / "cut") == str(tmp_path / "cut" / "latest.pth")
    resumed = train(tmp_path / "cut", runner_cls, make_model, make_loader, quiet_logger,
                    resume=str(tmp_path / "cut" / "latest.pth"))
    assert all(torch.equal(a, b) for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()))
    assert not preempt.exists()  # superseded by the next interval checkpoint


def test_the_handler_only_records_the_first_signal_and_gives_the_old_one_back():
    seen = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: seen.append(signum))
    try:
        stop = StopRequest(["SIGUSR1", "SIGTERM"])
        assert stop.install() and not stop.agreed()
        os.kill(os.getpid(), signal.SIGUSR1)
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.requested == "SIGUSR1" and stop.agreed()
        stop.uninstall()
        os.kill(os.getpid(), signal.SIGUSR1)
        assert seen == [signal.SIGUSR1]
    finally:
        signal.signal(signal.SIGUSR1, previous)


def test_bad_signal_names_are_errors_naming_the_key():
    assert signal_numbers(["SIGTERM", "SIGUSR1"]) == [signal.SIGTERM, signal.SIGUSR1]
    with pytest.raises(ValueError, match=r"preemption.signals: 'SIGKILL' is not a signal that can be caught"):
        signal_numbers(["SIGKILL"])
    with pytest.raises(TypeError, match="list of signal names"):
        PreemptionHook(signals="SIGTERM")
    problems = validate_top_level({"preemption": dict(signals=["TERM"], on=True)})
    assert problems == ["preemption.on: unknown key; preemption takes signals",
                        "preemption.signals: must be a list of catchable signal names such as ['SIGTERM', "
                        "'SIGUSR1'] (or [] to turn preemption off), got ['TERM']"]
    assert validate_top_level({"preemption": None}) == validate_top_level({"preemption": dict(signals=[])}) == []
    assert PREEMPTED_EXIT_CODE == 75


def test_a_later_checkpoint_supersedes_a_preemption_checkpoint(tmp_path, toy_model):
    saver = Checkpointer(tmp_path)
    saver.save("epoch_1.pth", toy_model, meta={"iter": 6})
    saver.save("preempt_iter_9.pth", toy_model, meta={"iter": 9})
    (tmp_path / "latest.pth").unlink()  # a hard link to preempt_iter_9.pth: writing through it would damage both
    (tmp_path / "latest.pth").write_bytes(b"truncated")  # auto-resume falls back on the preemption file
    assert find_latest_checkpoint(tmp_path) == str(tmp_path / "preempt_iter_9.pth")
    saver.save("epoch_2.pth", toy_model, meta={"iter": 12})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_1.pth", "epoch_2.pth", "latest.pth"]
