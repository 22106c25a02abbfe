"""The momentum policies of `momentum_config=dict(policy=..., ...)`, one hook class each.

Each takes the policy's own arguments under the names configs use (`min_momentum`, ...) and passes the rest
(`by_epoch`, `warmup`, `warmup_iters`, `warmup_ratio`, `warmup_by_epoch`) to `MomentumUpdaterHook`.
"""
from __future__ import annotations

from dataclasses import replace
from numbers import Real
from typing import Any

from vidrun.runner.hooks.hook import HOOKS
from vidrun.runner.hooks.param_updater import MomentumUpdaterHook, per_group
from vidrun.schedules import CosineAnnealing, Cyclic, LinearAnnealing, OneCycleMomentum, Step


@HOOKS.register_module()
class StepMomentumUpdaterHook(MomentumUpdaterHook):
    def __init__(self, step: int | list[int], gamma: float = 0.5, min_momentum: float | None = None,
                 **kwargs: Any):
        super().__init__(Step(step, gamma, min_momentum), **kwargs)


@HOOKS.register_module()
class CosineAnnealingMomentumUpdaterHook(MomentumUpdaterHook):
    def __init__(self, min_momentum: float | None = None, min_momentum_ratio: float | None = None,
                 **kwargs: Any):
        super().__init__(CosineAnnealing(min_momentum, min_momentum_ratio), **kwargs)


@HOOKS.register_module()
class LinearAnnealingMomentumUpdaterHook(MomentumUpdaterHook):
    def __init__(self, min_momentum: float | None = None, min_momentum_ratio: float | None = None,
                 **kwargs: Any):
        super().__init__(LinearAnnealing(min_momentum, min_momentum_ratio), **kwargs)


@HOOKS.register_module()
class CyclicMomentumUpdaterHook(MomentumUpdaterHook):
    def __init__(self, by_epoch: bool = False, target_ratio: tuple = (0.85 / 0.95, 1), cyclic_times: int = 1,
                 step_ratio_up: float = 0.4, anneal_strategy: str = "cos", gamma: float = 1.0, **kwargs: Any):
        schedule = Cyclic(target_ratio, cyclic_times, step_ratio_up, anneal_strategy, gamma)
        super().__init__(schedule, by_epoch=by_epoch, **kwargs)


@HOOKS.register_module()
class OneCycleMomentumUpdaterHook(MomentumUpdaterHook):
    """Starts at `max_momentum`, falls to `base_momentum` at the lr peak, and climbs back. Each of the two is
    a number, a list (one per param group) or a dict of either by optimizer name (a dict of optimizers' key,
    else the optimizer's class name)."""

    def __init__(self, base_momentum: float | list | dict = 0.85, max_momentum: float | list | dict = 0.95,
                 total_steps: int | None = None, pct_start: float = 0.3, anneal_strategy: str = "cos",
                 three_phase: bool = False, **kwargs: Any):
        # Per-group values are checked when the groups are known; the template checks the rest now.
        numbers = [v if isinstance(v, Real) else default for v, default in ((base_momentum, 0.85),
                                                                            (max_momentum, 0.95))]
        schedule = OneCycleMomentum(*numbers, total_steps, pct_start, anneal_strategy, three_phase)
        super().__init__(schedule, **kwargs)
        self.base_momentum, self.max_momentum = base_momentum, max_momentum

    def initial_values(self, name: str | None, optimizer: Any) -> list[float]:
        return per_group("momentum_config.max_momentum", self.max_momentum, name or type(optimizer).__name__,
                         optimizer)

    def group_schedules(self, name: str | None, optimizer: Any) -> list[OneCycleMomentum]:
        key = name or type(optimizer).__name__
        bases = per_group("momentum_config.base_momentum", self.base_momentum, key, optimizer)
        return [replace(self.schedule, base_momentum=low, max_momentum=high)
                for low, high in zip(bases, self.initial_values(name, optimizer))]
