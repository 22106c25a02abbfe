"""The default hooks of a training run: their priorities in one table with the reason for each, one function
per hook (the runner's `register_*_hook` methods call them) and `register_training_hooks`, all of them in order.

Hooks run in priority order (lower first; ties in registration order), for every event.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from vidrun.config import ConfigError, ConfigDict, did_you_mean
from vidrun.registry import check_keys
from vidrun.runner.hooks.hook import HOOKS, Hook
from vidrun.runner.priority import Priority


# The default hooks' priorities and why each sits there. Within one train iteration this means: the lr and
# momentum are set before the step uses them, the step happens before the checkpoint saves its result, the
# timer stops after all of that, and the loggers write last what every other hook has put in the log buffer.
PRIORITIES = {
    # VERY_HIGH (10): this iteration's lr is written before anything reads it: the step, the loggers.
    "lr": Priority.VERY_HIGH,
    # HIGH (30): momentum likewise; cyclic and one-cycle momentum mirror the lr set just before.
    "momentum": Priority.HIGH,
    # ABOVE_NORMAL (40): backward and step, before the checkpoint, so the checkpoint holds stepped weights;
    # also before custom hooks (NORMAL by default) that inspect gradients or updated weights.
    "optimizer": Priority.ABOVE_NORMAL,
    # NORMAL (50): checkpoint after the step; before evaluation (LOW), so a save_best copy never precedes it.
    "checkpoint": Priority.NORMAL,
    # LOW (70): the timer stops after the step and the save, so `time` is the whole iteration.
    "timer": Priority.LOW,
    # VERY_LOW (90): loggers write last, once every hook has added its values (time, grad_norm, metrics).
    "logger": Priority.VERY_LOW,
    # Custom hooks: at their own `priority`, NORMAL by default; ties run after the default hooks above.
    "custom": Priority.NORMAL,
}
DEFAULT_TIMER = MappingProxyType({"type": "IterTimerHook"})  # read-only: a shared default argument


def register_training_hooks(runner: Any, lr_config: dict | Hook | None,
                            optimizer_config: dict | Hook | None = None,
                            checkpoint_config: dict | Hook | None = None, log_config: dict | None = None,
                            momentum_config: dict | Hook | None = None,
                            timer_config: Mapping | Hook | None = DEFAULT_TIMER,
                            custom_hooks_config: list | dict | Hook | None = None) -> None:
    """Register the hooks that the config's `*_config` keys describe, through the runner's `register_*`
    methods in mmcv's order, each at its priority in `PRIORITIES`. `None` leaves a hook out (without
    `optimizer_config` nothing steps; `timer_config=None`, no `time` in the log). Nothing passed is changed."""
    runner.register_lr_hook(lr_config)
    runner.register_momentum_hook(momentum_config)
    runner.register_optimizer_hook(optimizer_config)
    runner.register_checkpoint_hook(checkpoint_config)
    runner.register_timer_hook(timer_config)
    runner.register_logger_hooks(log_config)
    runner.register_custom_hooks(custom_hooks_config)


def register_lr_hook(runner: Any, lr_config: dict | Hook | None) -> None:
    """`dict(policy=..., **args)` builds `<Policy>LrUpdaterHook` (see `_policy_hook`); a Hook is taken as is."""
    register(runner, _policy_hook(lr_config, "lr_config", "LrUpdaterHook"), PRIORITIES["lr"])


def register_momentum_hook(runner: Any, momentum_config: dict | Hook | None) -> None:
    register(runner, _policy_hook(momentum_config, "momentum_config", "MomentumUpdaterHook"),
             PRIORITIES["momentum"])


def register_optimizer_hook(runner: Any, optimizer_config: dict | Hook | None) -> None:
    """An `OptimizerHook` unless the config names another `type`."""
    register(runner, _typed(optimizer_config, "OptimizerHook"), PRIORITIES["optimizer"])


def register_checkpoint_hook(runner: Any, checkpoint_config: dict | Hook | None) -> None:
    register(runner, _typed(checkpoint_config, "CheckpointHook"), PRIORITIES["checkpoint"])


def register_timer_hook(runner: Any, timer_config: Mapping | Hook | None) -> None:
    """An `IterTimerHook` unless the config names another `type`."""
    timer_config = dict(timer_config) if isinstance(timer_config, MappingProxyType) else timer_config
    register(runner, _typed(timer_config, "IterTimerHook"), PRIORITIES["timer"])


def register_logger_hooks(runner: Any, log_config: dict | None) -> None:
    """Each of `log_config['hooks']`, with `log_config['interval']` unless the hook sets its own."""
    for logger_cfg in _logger_hooks(log_config):
        register(runner, logger_cfg, PRIORITIES["logger"])


def register_profiler_hook(runner: Any, profiler_config: dict | Hook | None) -> None:
    """A `ProfilerHook` unless the config names another `type`, at NORMAL (not one of the default hooks)."""
    register(runner, _typed(profiler_config, "ProfilerHook"), Priority.NORMAL)


def register_custom_hooks(runner: Any, custom_config: list | dict | Hook | None) -> None:
    """A hook, a config dict (its `priority` popped, NORMAL by default), or a list of them."""
    for hook in _custom_hooks(custom_config):
        if isinstance(hook, Hook):
            runner.register_hook(hook, PRIORITIES["custom"])
        else:
            runner.register_hook_from_cfg(hook)


def with_fp16(optimizer_config: dict | None, fp16: dict | None) -> dict | None:
    """The optimizer hook config for a config's `optimizer_config` and top-level `fp16=dict(loss_scale=...)`:
    an `Fp16OptimizerHook` with both sets of arguments when `fp16` is set, or a
    `GradientCumulativeFp16OptimizerHook` when `optimizer_config` accumulates (`cumulative_iters`)."""
    if fp16 is None:
        return optimizer_config
    optimizer_config = dict(optimizer_config or {})
    cumulative = ("GradientCumulativeOptimizerHook", "GradientCumulativeFp16OptimizerHook")
    hook_type = optimizer_config.get("type", cumulative[0] if "cumulative_iters" in optimizer_config else
                                     "OptimizerHook")
    if hook_type not in ("OptimizerHook", "Fp16OptimizerHook", *cumulative):
        raise ConfigError(f"fp16 cannot be combined with optimizer_config.type={optimizer_config['type']!r}")
    fp16_type = "GradientCumulativeFp16OptimizerHook" if hook_type in cumulative else "Fp16OptimizerHook"
    return dict(optimizer_config, **fp16, type=fp16_type)


def register(runner: Any, hook: dict | Hook | None, priority: int | str) -> None:
    """Build `hook` from its config when needed, and register it; `None` registers nothing."""
    if hook is None:
        return
    runner.register_hook(hook if isinstance(hook, Hook) else HOOKS.build(hook), priority)


def _typed(cfg: dict | Hook | None, default_type: str) -> dict | Hook | None:
    if cfg is None or isinstance(cfg, Hook):
        return cfg
    cfg = cfg.copy()
    cfg.setdefault("type", default_type)
    return cfg


def _policy_hook(cfg: dict | Hook | None, key: str, suffix: str) -> dict | Hook | None:
    """`dict(policy='cosine_annealing', ...)` → `dict(type='CosineAnnealingLrUpdaterHook', ...)`. A policy
    may be written as the class prefix in any case, with or without underscores; user-registered
    `<Name>LrUpdaterHook` classes are policies too."""
    if cfg is None or isinstance(cfg, Hook):
        return cfg
    cfg = cfg.copy()
    where = cfg.where("policy") if isinstance(cfg, ConfigDict) else f"{key}.policy"
    if "policy" not in cfg:
        raise ConfigError(f"{where}: missing; {key} needs a policy such as 'step'")
    policy = str(cfg.pop("policy"))
    known = {name[: -len(suffix)]: name for name in HOOKS.module_dict if name.endswith(suffix) and name != suffix}
    by_key = {name.lower().replace("_", ""): full for name, full in known.items()}
    hook_type = by_key.get(policy.lower().replace("_", ""))
    if hook_type is None:
        raise ConfigError(f"{where}: unknown policy {policy!r}{did_you_mean(policy, known)}; "
                          f"known: {', '.join(sorted(known))}")
    cfg["type"] = hook_type
    return cfg


def _logger_hooks(log_config: dict | None) -> list[dict]:
    """The logger hook configs of `log_config=dict(interval=50, hooks=[...])`, each with the interval."""
    if log_config is None:
        return []
    check_keys(log_config, ("interval", "hooks"), "log_config")
    hooks = []
    for hook_cfg in log_config.get("hooks", []):
        hook_cfg = hook_cfg.copy()
        if "interval" in log_config:
            hook_cfg.setdefault("interval", log_config["interval"])
        hooks.append(hook_cfg)
    return hooks


def _custom_hooks(custom_hooks: list | dict | Hook | None) -> list[dict | Hook]:
    if custom_hooks is None:
        return []
    hooks = [custom_hooks] if isinstance(custom_hooks, (dict, Hook)) else list(custom_hooks)
    wrong = [h for h in hooks if not isinstance(h, (dict, Hook))]
    if wrong:
        raise ConfigError(f"custom_hooks: each entry must be a dict with a 'type' or a Hook, not {wrong[0]!r}")
    return hooks
