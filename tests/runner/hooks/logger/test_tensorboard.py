import json
import sys

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from vidrun.runner import HOOKS, EpochBasedRunner, EvalHook, Hook, IterBasedRunner


def trained(runner_cls, model, logger, work_dir, loaders, workflow, length=2, with_text=True, **hook_args):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    length_arg = {"max_epochs": length} if runner_cls is EpochBasedRunner else {"max_iters": length}
    runner = runner_cls(model, optimizer, str(work_dir), logger, **length_arg)
    hooks = [dict(type="TextLoggerHook")] * with_text + [dict(type="TensorboardLoggerHook", **hook_args)]
    runner.register_training_hooks(dict(policy="fixed"), dict(), None, dict(interval=2, hooks=hooks))
    runner.run(loaders, workflow)
    return runner


def scalars(log_dir):
    events = EventAccumulator(str(log_dir))
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def test_train_and_val_scalars_at_the_global_iteration(toy_model, make_loader, quiet_logger, tmp_path):
    loaders = [make_loader(size=24), make_loader(size=8, shuffle=False)]  # 6 train batches, 2 val
    runner = trained(EpochBasedRunner, toy_model, quiet_logger, tmp_path, loaders, [("train", 1), ("val", 1)])
    logged = scalars(tmp_path / "tf_logs")
    assert {"train/loss", "train/loss_cls", "train/time", "train/data_time", "learning_rate", "momentum",
            "val/loss", "val/time"} <= set(logged)
    assert not {"train/lr", "train/epoch", "train/iter", "val/learning_rate"} & set(logged)
    assert [step for step, _ in logged["train/loss"]] == [2, 4, 6, 8, 10, 12]
    assert [step for step, _ in logged["val/loss"]] == [6, 12]  # the end of the epoch each follows
    assert logged["learning_rate"] == [(step, pytest.approx(0.1)) for step in (2, 4, 6, 8, 10, 12)]
    assert [value for _, value in logged["momentum"]] == pytest.approx([0.9] * 6)
    records = [json.loads(line) for line in (tmp_path / f"{runner.timestamp}.log.json").read_text().splitlines()]
    train_losses = [r["loss"] for r in records if r["mode"] == "train"]
    assert [value for _, value in logged["train/loss"]] == pytest.approx(train_losses, abs=1e-5)


def test_iteration_runner_and_own_log_dir(toy_model, make_loader, quiet_logger, tmp_path):
    loaders = [make_loader(size=8), make_loader(size=8, shuffle=False)]
    trained(IterBasedRunner, toy_model, quiet_logger, tmp_path / "work", loaders, [("train", 2), ("val", 2)],
            length=4, with_text=False, log_dir=str(tmp_path / "tb"))
    logged = scalars(tmp_path / "tb")
    assert [step for step, _ in logged["train/loss"]] == [2, 4]
    assert [step for step, _ in logged["val/loss"]] == [2, 4]
    assert not (tmp_path / "work" / "tf_logs").exists()


def test_an_evaluation_before_training_is_at_step_0(toy_model, make_loader, quiet_logger, tmp_path):
    optimizer = torch.optim.SGD(toy_model.parameters(), lr=0.1)
    runner = EpochBasedRunner(toy_model, optimizer, str(tmp_path), quiet_logger, max_epochs=2)
    runner.register_training_hooks(dict(policy="fixed"), dict(), None,
                                   dict(interval=2, hooks=[dict(type="TensorboardLoggerHook")]))
    runner.register_hook(EvalHook(make_loader(size=8, shuffle=False), start=0), "LOW")
    runner.run([make_loader(size=24)], [("train", 1)])  # 6 iterations an epoch
    logged = scalars(tmp_path / "tf_logs")
    assert [step for step, _ in logged["val/top1_acc"]] == [0, 6, 12]
    assert [step for step, _ in logged["train/loss"]] == [2, 4, 6, 8, 10, 12]


def test_other_ranks_write_nothing(toy_model, make_loader, quiet_logger, tmp_path, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    runner = trained(EpochBasedRunner, toy_model, quiet_logger, tmp_path, [make_loader()], [("train", 1)])
    assert runner.rank == 1 and list(tmp_path.iterdir()) == []


def test_a_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    with pytest.raises(ImportError, match=r'TensorboardLoggerHook needs the tensorboard package: '
                                          r'pip install "vidrun\[tensorboard\]"'):
        HOOKS.build(dict(type="TensorboardLoggerHook"))


class FailAtIter(Hook):
    def before_train_iter(self, runner):
        if runner.iter == 5:
            raise ValueError("disk full")


def test_a_run_that_raises_keeps_what_was_logged(toy_model, make_loader, quiet_logger, tmp_path):
    optimizer = torch.optim.SGD(toy_model.parameters(), lr=0.1)
    runner = EpochBasedRunner(toy_model, optimizer, str(tmp_path), quiet_logger, max_epochs=2)
    runner.register_training_hooks(None, dict(), None, dict(interval=2, hooks=[dict(type="TensorboardLoggerHook")]))
    runner.register_hook(FailAtIter(), "HIGHEST")
    with pytest.raises(ValueError, match="disk full"):
        runner.run([make_loader(size=24)], [("train", 1)])
    (hook,) = [h for h in runner.hooks if type(h).__name__ == "TensorboardLoggerHook"]
    assert hook.writer is None  # closed, so the event file holds every point logged
    assert [step for step, _ in scalars(tmp_path / "tf_logs")["train/loss"]] == [2, 4]
