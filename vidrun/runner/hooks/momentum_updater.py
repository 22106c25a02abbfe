"""The momentum policies of `momentum_config=dict(policy=..., ...)`, one hook class each.

Each takes the policy's own arguments under the names configs use (`min_momentum`, ...) and passes the rest
(`by_epoch`, `warmup`, `warmup_iters`, `warmup_ratio`, `warmup_by_epoch`) to `MomentumUpdaterHook`.
"""
from __future__ import annotations

from typing import Any

from vidrun.runner.hooks.hook import HOOKS
from vidrun.runner.hooks.param_updater import MomentumUpdaterHook
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
    """Starts at `max_momentum`, falls to `base_momentum` at the lr peak, and climbs back."""

    def __init__(self, base_momentum: float = 0.85, max_momentum: float = 0.95, total_steps: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos", three_phase: bool = False, **kwargs: Any):
        schedule = OneCycleMomentum(base_momentum, max_momentum, total_steps, pct_start, anneal_strategy,
                                    three_phase)
        super().__init__(schedule, **kwargs)
        self.max_momentum = max_momentum

    def initial_values(self, name: str | None, optimizer: Any) -> list[float]:
        return [self.max_momentum] * len(optimizer.param_groups)
