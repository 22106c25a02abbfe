"""The default hooks of a training run, registered in one place with the reason for each priority.

Hooks run in priority order (lower first; ties in registration order), for every event. Within one train
iteration that means: the lr and momentum are set before the step uses them, the step happens before the
checkpoint saves its result, the timer stops after all of that, and the loggers write last what every other
hook has put in the log buffer.
"""
from __future__ import annotations

from typing import Any

from vidrun.config import ConfigError, ConfigDict, did_you_mean
from vidrun.registry import check_keys
from vidrun.runner.hooks.hook import HOOKS, Hook
from vidrun.runner.priority import Priority


def register_training_hooks(runner: Any, lr_config: dict | Hook | None,
                            optimizer_config: dict | Hook | None = None,
                            checkpoint_config: dict | Hook | None = None, log_config: dict | None = None,
                            momentum_config: dict | Hook | None = None,
                            timer_config: dict | Hook | None = None,
                            custom_hooks_config: list | dict | None = None) -> None:
    """Register the hooks that the config's `*_config` keys describe. `None` leaves a hook out (without
    `optimizer_config` nothing steps); `timer_config` defaults to `IterTimerHook`. Nothing passed is changed."""
    # VERY_HIGH (10): this iteration's lr is written before anything reads it: the step, the loggers.
    register(runner, _policy_hook(lr_config, "lr_config", "LrUpdaterHook"), Priority.VERY_HIGH)
    # HIGH (30): momentum likewise; cyclic and one-cycle momentum mirror the lr set just before.
    register(runner, _policy_hook(momentum_config, "momentum_config", "MomentumUpdaterHook"), Priority.HIGH)
    # ABOVE_NORMAL (40): backward and step, before the checkpoint, so the checkpoint holds stepped weights;
    # also before custom hooks (NORMAL by default) that inspect gradients or updated weights.
    register(runner, _typed(optimizer_config, "OptimizerHook"), Priority.ABOVE_NORMAL)
    # NORMAL (50): checkpoint after the step; before evaluation (LOW), so a save_best copy never precedes it.
    register(runner, _typed(checkpoint_config, "CheckpointHook"), Priority.NORMAL)
    # LOW (70): the timer stops after the step and the save, so `time` is the whole iteration.
    register(runner, _typed({} if timer_config is None else timer_config, "IterTimerHook"), Priority.LOW)
    # VERY_LOW (90): loggers write last, once every hook has added its values (time, grad_norm, metrics).
    for logger_cfg in _logger_hooks(log_config):
        register(runner, logger_cfg, Priority.VERY_LOW)
    # Custom hooks: at their own `priority`, NORMAL by default; ties run after the default hooks above.
    for hook in _custom_hooks(custom_hooks_config):
        if isinstance(hook, Hook):
            runner.register_hook(hook, Priority.NORMAL)
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
