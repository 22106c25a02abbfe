"""A logger hook written for mmcv (`log(self, runner)` with mmcv's helpers) runs on vidrun's runners."""
import pytest
import torch

from vidrun.runner import HOOKS, EpochBasedRunner, EvalHook, LoggerHook, master_only


@HOOKS.register_module()
class ListLoggerHook(LoggerHook):
    """As a user would write it for mmcv 1.7."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.lines = []

    @master_only
    def log(self, runner):
        tags = self.get_loggable_tags(runner)
        self.lines.append((self.get_mode(runner), self.get_epoch(runner), self.get_iter(runner),
                           self.get_iter(runner, inner_iter=True), sorted(tags)))


def test_an_mmcv_logger_sees_train_val_and_evaluation_lines(toy_model, make_loader, quiet_logger):
    optimizer = torch.optim.SGD(toy_model.parameters(), lr=0.1, momentum=0.9)
    runner = EpochBasedRunner(toy_model, optimizer, None, quiet_logger, max_epochs=1)
    runner.register_training_hooks(dict(policy="fixed"), dict(), None,
                                   dict(interval=3, hooks=[dict(type="ListLoggerHook")]))
    runner.register_hook(EvalHook(make_loader(size=8, shuffle=False)), "LOW")
    runner.run([make_loader(size=24), make_loader(size=8)], [("train", 1), ("val", 1)])  # 6 train batches
    (hook,) = [h for h in runner.hooks if isinstance(h, ListLoggerHook)]
    train_tags = ["learning_rate", "momentum", "train/loss", "train/loss_cls"]
    assert hook.lines == [
        ("train", 1, 3, 3, train_tags),
        ("train", 1, 6, 6, train_tags),
        ("val", 1, 7, 6, ["learning_rate", "momentum", "val/top1_acc"]),  # the evaluation after the epoch
        ("val", 1, 7, 2, ["learning_rate", "momentum", "val/loss", "val/loss_cls"]),  # the val epoch
    ]
    assert runner.mode == "val"  # put back after each line


def test_mmcv_helpers():
    assert LoggerHook.is_scalar(3) and LoggerHook.is_scalar(torch.tensor([0.5]))
    assert LoggerHook.is_scalar(torch.tensor(0.5)) and not LoggerHook.is_scalar(torch.zeros(2))
    assert not LoggerHook.is_scalar(torch.tensor([0.5]), include_torch=False) and not LoggerHook.is_scalar("a")


def test_dict_of_optimizers_tags():
    class Runner:
        def current_lr(self):
            return {"gen": [0.1, 0.2], "disc": [0.3]}

        def current_momentum(self):
            return [0.9]

    hook = LoggerHook()
    assert hook.get_lr_tags(Runner()) == {"learning_rate/gen": 0.1, "learning_rate/disc": 0.3}
    assert hook.get_momentum_tags(Runner()) == {"momentum": 0.9}
    with pytest.raises(ValueError, match="runner.mode should be 'train' or 'val', not None"):
        hook.get_mode(type("Idle", (), {"mode": None})())
