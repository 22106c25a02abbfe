"""The learning-rate policies of `lr_config=dict(policy=..., ...)`, one hook class each.

Each takes the policy's own arguments under the names configs use (`min_lr`, `min_lr_ratio`, ...) and passes
the rest (`by_epoch`, `warmup`, `warmup_iters`, `warmup_ratio`, `warmup_by_epoch`) to `LrUpdaterHook`.
"""
from __future__ import annotations

from typing import Any

from vidrun.runner.hooks.hook import HOOKS
from vidrun.runner.hooks.param_updater import LrUpdaterHook, per_group
from vidrun.schedules import (CosineAnnealing, CosineRestart, Cyclic, Exp, Fixed, FlatCosineAnnealing, Inv,
                              LinearAnnealing, OneCycle, Poly, Step, one_cycle_initial)


@HOOKS.register_module()
class FixedLrUpdaterHook(LrUpdaterHook):
    def __init__(self, **kwargs: Any):
        super().__init__(Fixed(), **kwargs)


@HOOKS.register_module()
class StepLrUpdaterHook(LrUpdaterHook):
    def __init__(self, step: int | list[int], gamma: float = 0.1, min_lr: float | None = None, **kwargs: Any):
        super().__init__(Step(step, gamma, min_lr), **kwargs)


@HOOKS.register_module()
class ExpLrUpdaterHook(LrUpdaterHook):
    def __init__(self, gamma: float, **kwargs: Any):
        super().__init__(Exp(gamma), **kwargs)


@HOOKS.register_module()
class PolyLrUpdaterHook(LrUpdaterHook):
    def __init__(self, power: float = 1.0, min_lr: float = 0.0, **kwargs: Any):
        super().__init__(Poly(power, min_lr), **kwargs)


@HOOKS.register_module()
class InvLrUpdaterHook(LrUpdaterHook):
    def __init__(self, gamma: float, power: float = 1.0, **kwargs: Any):
        super().__init__(Inv(gamma, power), **kwargs)


@HOOKS.register_module()
class CosineAnnealingLrUpdaterHook(LrUpdaterHook):
    def __init__(self, min_lr: float | None = None, min_lr_ratio: float | None = None, **kwargs: Any):
        super().__init__(CosineAnnealing(min_lr, min_lr_ratio), **kwargs)


@HOOKS.register_module()
class FlatCosineAnnealingLrUpdaterHook(LrUpdaterHook):
    def __init__(self, start_percent: float = 0.75, min_lr: float | None = None,
                 min_lr_ratio: float | None = None, **kwargs: Any):
        super().__init__(FlatCosineAnnealing(start_percent, min_lr, min_lr_ratio), **kwargs)


@HOOKS.register_module()
class CosineRestartLrUpdaterHook(LrUpdaterHook):
    def __init__(self, periods: list[int], restart_weights: list[float] = (1,), min_lr: float | None = None,
                 min_lr_ratio: float | None = None, **kwargs: Any):
        super().__init__(CosineRestart(periods, restart_weights, min_lr, min_lr_ratio), **kwargs)


@HOOKS.register_module()
class LinearAnnealingLrUpdaterHook(LrUpdaterHook):
    def __init__(self, min_lr: float | None = None, min_lr_ratio: float | None = None, **kwargs: Any):
        super().__init__(LinearAnnealing(min_lr, min_lr_ratio), **kwargs)


@HOOKS.register_module()
class CyclicLrUpdaterHook(LrUpdaterHook):
    def __init__(self, by_epoch: bool = False, target_ratio: float | tuple = (10, 1e-4), cyclic_times: int = 1,
                 step_ratio_up: float = 0.4, anneal_strategy: str = "cos", gamma: float = 1.0, **kwargs: Any):
        schedule = Cyclic(target_ratio, cyclic_times, step_ratio_up, anneal_strategy, gamma)
        super().__init__(schedule, by_epoch=by_epoch, **kwargs)


@HOOKS.register_module()
class OneCycleLrUpdaterHook(LrUpdaterHook):
    """Starts every group at `max_lr / div_factor` (the optimizer's own lr is ignored). `max_lr` is a number,
    a list (one per param group) or, for a dict of optimizers, a dict of either by optimizer name."""

    def __init__(self, max_lr: float | list[float] | dict, total_steps: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", div_factor: float = 25, final_div_factor: float = 1e4,
                 three_phase: bool = False, **kwargs: Any):
        schedule = OneCycle(total_steps, pct_start, anneal_strategy, div_factor, final_div_factor, three_phase)
        super().__init__(schedule, **kwargs)
        self.max_lr = max_lr
        self.div_factor = div_factor

    def initial_values(self, name: str | None, optimizer: Any) -> list[float]:
        max_lr = per_group("lr_config.max_lr", self.max_lr, name or type(optimizer).__name__, optimizer)
        return [one_cycle_initial(m, self.div_factor) for m in max_lr]

