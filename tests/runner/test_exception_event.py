"""A run that raises: every hook gets `on_exception(runner, exc)`, in priority order, then the runner
re-raises the very same exception; `after_run` is not called."""
import pytest
import torch

from vidrun.runner import EpochBasedRunner, Hook, IterBasedRunner


class Seen(Hook):
    def __init__(self, name, log, fail=False):
        self.name, self.log, self.fail = name, log, fail

    def after_run(self, runner):
        self.log.append((self.name, "after_run"))

    def on_exception(self, runner, exc):
        self.log.append((self.name, "on_exception", exc, runner.iter))
        if self.fail:
            raise RuntimeError("cleanup went wrong too")


def failing_step(model, at_call, error):
    calls = []
    original = model.train_step

    def train_step(data_batch, optimizer):
        calls.append(1)
        if len(calls) == at_call:
            raise error
        return original(data_batch, optimizer)

    model.train_step = train_step


@pytest.mark.parametrize("runner_cls", [EpochBasedRunner, IterBasedRunner])
def test_every_hook_sees_the_exception_which_is_raised_unchanged(toy_model, make_loader, quiet_logger, tmp_path,
                                                                 runner_cls):
    error = ValueError("loss went to nowhere")
    failing_step(toy_model, 5, error)
    length = {"max_epochs": 3} if runner_cls is EpochBasedRunner else {"max_iters": 12}
    runner = runner_cls(toy_model, torch.optim.SGD(toy_model.parameters(), lr=0.1), str(tmp_path), quiet_logger,
                        **length)
    log = []
    runner.register_hook(Seen("late", log), "LOW")
    runner.register_hook(Seen("early", log, fail=True), "HIGH")  # its own failure is logged, not raised
    with pytest.raises(ValueError) as raised:
        runner.run([make_loader(size=12)], [("train", 1)])
    assert raised.value is error and raised.value.__cause__ is None and raised.value.__context__ is None
    assert log == [("early", "on_exception", error, 4), ("late", "on_exception", error, 4)]
    assert any("Seen.on_exception failed: RuntimeError: cleanup went wrong too" in line
               for line in quiet_logger.lines)


def test_ctrl_c_reaches_the_hooks_too(toy_model, make_loader, quiet_logger):
    failing_step(toy_model, 2, KeyboardInterrupt())
    runner = EpochBasedRunner(toy_model, None, None, quiet_logger, max_epochs=1)
    log = []
    runner.register_hook(Seen("only", log))
    with pytest.raises(KeyboardInterrupt):
        runner.run([make_loader(size=8)], [("train", 1)])
    assert [entry[:2] for entry in log] == [("only", "on_exception")]


def test_an_error_in_before_run_reaches_the_hooks_registered_before(toy_model, make_loader, quiet_logger):
    class BrokenStart(Hook):
        def before_run(self, runner):
            raise OSError("no such disk")

    runner = EpochBasedRunner(toy_model, None, None, quiet_logger, max_epochs=1)
    log = []
    runner.register_hook(Seen("first", log), "HIGHEST")
    runner.register_hook(BrokenStart())
    with pytest.raises(OSError, match=r"BrokenStart.before_run \(epoch 1, iter 1\): no such disk") as raised:
        runner.run([make_loader(size=8)], [("train", 1)])
    assert log == [("first", "on_exception", raised.value, 0)]
