"""The runner's hook-registration methods, each usable alone as in mmcv 1.7, and the hook descriptions
(`get_hook_info`, `Hook.get_triggered_stages`)."""
import pytest
import torch

from vidrun.runner import (HOOKS, CheckpointHook, EpochBasedRunner, Hook, IterBasedRunner, IterTimerHook,
                           OptimizerHook, StepLrUpdaterHook, TextLoggerHook)


@HOOKS.register_module()
class InfoTestHook(Hook):
    def __init__(self, info):
        self.info = info

    def before_run(self, runner):
        pass

    def after_epoch(self, runner):
        pass


def bare_runner(model, logger, runner_cls=EpochBasedRunner):
    return runner_cls(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                      logger=logger)


def described(runner):
    return [(type(h).__name__, h.priority) for h in runner.hooks]


@pytest.mark.parametrize("runner_cls", [EpochBasedRunner, IterBasedRunner])
def test_each_register_method_alone_none_registers_nothing(toy_model, quiet_logger, runner_cls):
    runner = bare_runner(toy_model, quiet_logger, runner_cls)
    for method in ("register_lr_hook", "register_momentum_hook", "register_optimizer_hook",
                   "register_checkpoint_hook", "register_timer_hook", "register_logger_hooks",
                   "register_custom_hooks"):
        getattr(runner, method)(None)
    assert runner.hooks == []
    runner.register_timer_hook(dict(type="IterTimerHook"))
    runner.register_timer_hook(IterTimerHook())
    runner.register_logger_hooks(dict(interval=7, hooks=[dict(type="TextLoggerHook")]))
    runner.register_checkpoint_hook(dict(interval=2))
    runner.register_optimizer_hook(dict(grad_clip=None))
    runner.register_momentum_hook(dict(policy="step", step=[1]))
    runner.register_lr_hook(dict(policy="step", step=[1]))
    assert described(runner) == [("StepLrUpdaterHook", 10), ("StepMomentumUpdaterHook", 30), ("OptimizerHook", 40),
                                 ("CheckpointHook", 50), ("IterTimerHook", 70), ("IterTimerHook", 70),
                                 ("TextLoggerHook", 90)]
    assert runner.hooks[-1].interval == 7 and runner.hooks[3].interval == 2


def test_register_methods_take_hooks_as_they_are(toy_model, quiet_logger):
    runner = bare_runner(toy_model, quiet_logger)
    hooks = [StepLrUpdaterHook(step=2), OptimizerHook(), CheckpointHook(interval=3), TextLoggerHook(interval=1)]
    runner.register_lr_hook(hooks[0])
    runner.register_optimizer_hook(hooks[1])
    runner.register_checkpoint_hook(hooks[2])
    runner.register_custom_hooks(hooks[3])  # a Hook without a priority: NORMAL
    assert [h for h in runner.hooks] == hooks and [h.priority for h in hooks] == [10, 40, 50, 50]


def test_custom_hooks_keep_their_priority_order(toy_model, quiet_logger):
    runner = bare_runner(toy_model, quiet_logger)
    names = ["HIGHEST", "VERY_HIGH", "HIGH", "ABOVE_NORMAL", "NORMAL", "BELOW_NORMAL", "LOW", "VERY_LOW", "LOWEST"]
    runner.register_custom_hooks([dict(type="InfoTestHook", info=n, priority=n) for n in reversed(names)])
    runner.register_custom_hooks(dict(type="InfoTestHook", info=51, priority=51))
    assert [h.info for h in runner.hooks] == names[:5] + [51] + names[5:]


def test_training_hooks_timer_and_custom_hooks_arguments(toy_model, quiet_logger):
    runner = bare_runner(toy_model, quiet_logger)
    runner.register_training_hooks(None, timer_config=None, custom_hooks_config=[dict(type="InfoTestHook", info=1)])
    assert described(runner) == [("InfoTestHook", 50)]  # timer_config=None: no timer, as in mmcv
    runner = bare_runner(toy_model, quiet_logger)
    timer = IterTimerHook()
    runner.register_training_hooks(dict(policy="fixed"), dict(), None, None, None, timer,
                                   [dict(type="InfoTestHook", info=2, priority="LOWEST")])
    assert described(runner) == [("FixedLrUpdaterHook", 10), ("OptimizerHook", 40), ("IterTimerHook", 70),
                                 ("InfoTestHook", 100)]
    assert runner.hooks[2] is timer
    runner = bare_runner(toy_model, quiet_logger)
    runner.register_training_hooks(None)  # the default timer_config is an IterTimerHook
    assert described(runner) == [("IterTimerHook", 70)]


def test_get_triggered_stages_maps_generic_events_to_both_modes():
    assert InfoTestHook(0).get_triggered_stages() == ["before_run", "after_train_epoch", "after_val_epoch"]
    assert Hook().get_triggered_stages() == [] and list(Hook.stages)[0] == "before_run"


def test_get_hook_info_lists_the_hooks_of_each_stage(toy_model, quiet_logger):
    runner = bare_runner(toy_model, quiet_logger)
    runner.register_custom_hooks([dict(type="InfoTestHook", info=0, priority=55)])
    runner.register_timer_hook(dict(type="IterTimerHook"))
    info = runner.get_hook_info()
    sections = info.split("\n -------------------- ")
    assert sections[0] == ("before_run:\n(55          ) InfoTestHook                       \n"
                           "(LOW         ) IterTimerHook                      ")
    stages = [section.strip().split(":\n")[0] for section in sections if section.strip()]
    assert stages == ["before_run", "before_train_epoch", "before_train_iter", "after_train_iter",
                      "after_train_epoch", "before_val_epoch", "before_val_iter", "after_val_iter",
                      "after_val_epoch"]
    assert "after_train_epoch:\n(55          ) InfoTestHook" in info


def test_iter_runner_takes_custom_hooks_sixth_as_in_mmcv(toy_model, quiet_logger):
    runner = bare_runner(toy_model, quiet_logger, IterBasedRunner)
    runner.register_training_hooks(None, None, None, None, None, [dict(type="InfoTestHook", info=6)])
    assert described(runner) == [("InfoTestHook", 50), ("IterTimerHook", 70)]
    runner = bare_runner(toy_model, quiet_logger, IterBasedRunner)
    runner.register_training_hooks(None, custom_hooks_config=None, timer_config=None)
    assert runner.hooks == []
