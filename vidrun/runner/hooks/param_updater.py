"""`ParamUpdaterHook`: writes a schedule's value into every param group before each train iteration.

The value is a pure function of the counters (`vidrun.schedules.value_at`): nothing is carried from one
iteration to the next, so a resumed run continues its schedule exactly. A dict of optimizers has every group of
every optimizer set. The base of each group is its
`initial_lr` / `initial_momentum`, set from the optimizer once and kept in the optimizer's state.
"""
from __future__ import annotations

from typing import Any

from vidrun.config import ConfigError
from vidrun.runner.hooks.hook import Hook
from vidrun.runner.optimizer.several import named_optimizers
from vidrun.schedules import Warmup, value_at


class ParamUpdaterHook(Hook):
    """The shared mechanics of `LrUpdaterHook` and `MomentumUpdaterHook`; subclasses name the value."""

    config_key = ""          # 'lr_config' or 'momentum_config', for error messages
    initial_key = ""         # 'initial_lr' or 'initial_momentum'
    default_warmup_ratio = 0.1
    mmcv_method = ""         # 'get_lr' or 'get_momentum': what an mmcv-style subclass implements instead

    def __init__(self, schedule: Any = None, by_epoch: bool | None = None, warmup: str | None = None,
                 warmup_iters: int = 0, warmup_ratio: float | None = None, warmup_by_epoch: bool = False):
        if schedule is None and not callable(getattr(self, self.mmcv_method, None)):
            raise TypeError(f"{type(self).__name__} needs a schedule, or (as in mmcv) a subclass implementing "
                            f"{self.mmcv_method}(runner, base_value)")
        self.schedule = schedule
        self.by_epoch = by_epoch
        ratio = self.default_warmup_ratio if warmup_ratio is None else warmup_ratio
        # Built now to check the arguments; by epoch, rebuilt in iterations once the loader's length is known.
        self.warmup = None if warmup is None else Warmup(warmup, warmup_iters, ratio)
        self._warmup_epochs = (warmup, warmup_iters, ratio) if warmup is not None and warmup_by_epoch else None
        self._schedules: dict[tuple[str | None, int], Any] = {}  # per-group schedules, see `group_schedules`

    # -- reading and writing a group's value (lr or momentum) -------------------------------------------------
    def read(self, group: dict) -> float:
        raise NotImplementedError

    def write(self, group: dict, value: float) -> None:
        raise NotImplementedError

    def initial_values(self, name: str | None, optimizer: Any) -> list[float] | None:
        """Per-group bases that the policy imposes (OneCycle) on `optimizer` (`name` in a dict of optimizers,
        None when it is the only one), or None to take them from the optimizer."""
        return None

    def group_schedules(self, name: str | None, optimizer: Any) -> list[Any] | None:
        """Per-group schedules that the policy makes for `optimizer` (OneCycle momentum with a value per
        group), or None: `self.schedule` for every group."""
        return None

    # -- events -----------------------------------------------------------------------------------------------
    def before_run(self, runner: Any) -> None:
        if runner.optimizer is None:
            raise ConfigError(f"{self.config_key}: {type(self).__name__} needs an optimizer")
        by_iter_runner = runner.unit == "iter"
        if self.by_epoch is None:
            self.by_epoch = not by_iter_runner and not getattr(self.schedule, "by_iteration_only", False)
        elif self.by_epoch and by_iter_runner:
            raise ConfigError(f"{self.config_key}.by_epoch=True: an IterBasedRunner has no epochs to schedule "
                              f"by; remove by_epoch (it defaults to False there)")
        self._schedules = {}
        for name, optimizer in named_optimizers(runner.optimizer):  # a dict of optimizers: each of them
            imposed = self.initial_values(name, optimizer)
            schedules = self.group_schedules(name, optimizer) or []
            self._schedules.update(((name, index), schedule) for index, schedule in enumerate(schedules))
            for index, group in enumerate(optimizer.param_groups):
                if imposed is not None:
                    group[self.initial_key] = imposed[index]
                else:
                    group.setdefault(self.initial_key, self.read(group))

    def before_train_iter(self, runner: Any) -> None:
        if self._warmup_epochs is not None:
            kind, epochs, ratio = self._warmup_epochs
            self.warmup, self._warmup_epochs = Warmup(kind, epochs * len(runner.data_loader), ratio), None
        for name, optimizer in named_optimizers(runner.optimizer):
            for index, group in enumerate(optimizer.param_groups):
                schedule = self._schedules.get((name, index), self.schedule)
                self.write(group, self.value(runner, group[self.initial_key], schedule))

    def value(self, runner: Any, base: float, schedule: Any = None) -> float:
        """The value at the runner's counters of `schedule` (default: the hook's; for an mmcv-style subclass,
        its `get_lr`/`get_momentum` as the regular value) for a group whose base is `base`, warm-up applied."""
        if schedule is None:
            schedule = self.schedule if self.schedule is not None else _Subclassed(self, runner)
        return value_at(schedule, base, iteration=runner.iter, epoch=runner.epoch,
                        max_iters=runner.max_iters, max_epochs=runner.max_epochs, by_epoch=self.by_epoch,
                        warmup=self.warmup, momentum=self.initial_key == "initial_momentum")


class _Subclassed:
    """An mmcv-style updater subclass's `get_lr(runner, base_lr)` (or `get_momentum`) as a schedule."""

    def __init__(self, hook: ParamUpdaterHook, runner: Any):
        self.hook, self.runner = hook, runner

    def __call__(self, base: float, progress: int, total: int) -> float:
        return getattr(self.hook, self.hook.mmcv_method)(self.runner, base)


class LrUpdaterHook(ParamUpdaterHook):
    """Sets each group's `lr`; `lr_config=dict(policy=..., ...)` selects the subclass. A subclass written for
    mmcv, implementing `get_lr(runner, base_lr)` and calling `super().__init__(**kwargs)`, works too."""

    config_key, initial_key, mmcv_method = "lr_config", "initial_lr", "get_lr"

    def read(self, group: dict) -> float:
        return group["lr"]

    def write(self, group: dict, value: float) -> None:
        group["lr"] = value


class MomentumUpdaterHook(ParamUpdaterHook):
    """Sets each group's `momentum`, or `betas[0]` for Adam-like optimizers. Warm-up divides by the ratio."""

    config_key, initial_key, mmcv_method = "momentum_config", "initial_momentum", "get_momentum"
    default_warmup_ratio = 0.9

    def read(self, group: dict) -> float:
        if "momentum" in group:
            return group["momentum"]
        if "betas" in group:
            return group["betas"][0]
        raise ConfigError("momentum_config: the optimizer has neither 'momentum' nor 'betas' to schedule")

    def write(self, group: dict, value: float) -> None:
        if "momentum" in group:
            group["momentum"] = value
        else:
            group["betas"] = (value, *group["betas"][1:])


def per_group(key: str, value: Any, name: str, optimizer: Any) -> list[float]:
    """One value for each param group of `optimizer` from `value`: a number (every group), a list (one per
    group) or a dict by optimizer `name` (a dict of optimizers' key, else the optimizer's class name) of either.
    Raises ValueError naming `key` for a list of the wrong length or a dict without `name`."""
    groups = optimizer.param_groups
    if isinstance(value, dict):
        if name not in value:
            raise ValueError(f"{key} has no value for optimizer {name!r} (it has {', '.join(map(str, value))})")
        return per_group(f"{key}.{name}", value[name], name, optimizer)
    values = list(value) if isinstance(value, (list, tuple)) else [value] * len(groups)
    if len(values) != len(groups):
        raise ValueError(f"{key} has {len(values)} values for the {len(groups)} param groups of optimizer {name!r}")
    return values
