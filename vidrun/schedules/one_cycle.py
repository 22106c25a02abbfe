"""The one-cycle policy (by global iteration only): the lr rises to a peak and falls far below its start,
while the momentum mirrors it.

Both follow a list of phases `(end, start value, end value)` over `T = total_steps` iterations: the phase
used at iteration p is the first whose end ≥ p (or the last), the first starting at 0, and the value is
`anneal(start, end, (p − previous end)/(end − previous end))`. Phase ends are floats such as `pct_start·T − 1`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from vidrun.config.errors import ConfigError
from vidrun.schedules.annealing import AnnealFunction, anneal_function
from vidrun.schedules.checks import require_in, require_int, require_number, require_positive


def one_cycle_initial(max_lr: float, div_factor: float = 25.0) -> float:
    """The lr one-cycle starts from, and the `base` to pass to `OneCycle`: `max_lr / div_factor`."""
    return max_lr / div_factor


@dataclass(frozen=True)
class OneCycle:
    """One-cycle lr; `base` is the initial lr `max_lr/div_factor` (see `one_cycle_initial`), not the optimizer's.

    Two phases: base → base·div_factor (= max_lr) ending at `pct_start·T − 1`, then → base/final_div_factor at
    `T − 1`. Three phases: up at `pct_start·T − 1`, back to base at `2·pct_start·T − 2`, down to
    base/final_div_factor at `T − 1`. `T = total_steps`, defaulting to `total` (max_iters); a smaller
    total_steps is an error.
    """

    total_steps: int | None = None
    pct_start: float = 0.3
    anneal_strategy: str = "cos"
    div_factor: float = 25.0
    final_div_factor: float = 1e4
    three_phase: bool = False
    by_iteration_only: ClassVar[bool] = True

    def __post_init__(self) -> None:
        _check_common(self)
        object.__setattr__(self, "div_factor", require_positive("OneCycle", "div_factor", self.div_factor))
        object.__setattr__(self, "final_div_factor",
                           require_positive("OneCycle", "final_div_factor", self.final_div_factor))

    def __call__(self, base: float, progress: int, total: int) -> float:
        peak, final = base * self.div_factor, base / self.final_div_factor
        values = [(base, peak), (peak, base), (base, final)] if self.three_phase else [(base, peak), (peak, final)]
        return _follow(self, values, progress, total)


@dataclass(frozen=True)
class OneCycleMomentum:
    """One-cycle momentum; `base` is IGNORED: the values come from `base_momentum` and `max_momentum` (floats).

    Two phases: max → base_momentum ending at `pct_start·T − 1` (the lr peak), then back to max at `T − 1`.
    Three phases: max → base_momentum at `pct_start·T − 1`, → max at `2·pct_start·T − 2`, max → max at `T − 1`.
    Per-group lists of momenta are the hook's business (one schedule per group).
    """

    base_momentum: float = 0.85
    max_momentum: float = 0.95
    total_steps: int | None = None
    pct_start: float = 0.3
    anneal_strategy: str = "cos"
    three_phase: bool = False
    by_iteration_only: ClassVar[bool] = True

    def __post_init__(self) -> None:
        owner = type(self).__name__
        object.__setattr__(self, "base_momentum", require_number(owner, "base_momentum", self.base_momentum))
        object.__setattr__(self, "max_momentum", require_number(owner, "max_momentum", self.max_momentum))
        _check_common(self)

    def __call__(self, base: float, progress: int, total: int) -> float:
        low, high = self.base_momentum, self.max_momentum
        values = [(high, low), (low, high), (high, high)] if self.three_phase else [(high, low), (low, high)]
        return _follow(self, values, progress, total)


def _check_common(schedule: OneCycle | OneCycleMomentum) -> None:
    """Checks the arguments both flavours share, normalising them in place."""
    owner = type(schedule).__name__
    if schedule.total_steps is not None:
        object.__setattr__(schedule, "total_steps", require_int(owner, "total_steps", schedule.total_steps, 1))
    object.__setattr__(schedule, "pct_start",
                       require_in(owner, "pct_start", schedule.pct_start, 0, 1, low_open=True, high_open=True))
    anneal_function(owner, schedule.anneal_strategy)
    if not isinstance(schedule.three_phase, bool):
        raise ConfigError(f"{owner}: three_phase must be True or False, got {schedule.three_phase!r}")


def _follow(schedule: OneCycle | OneCycleMomentum, values: list[tuple[float, float]], progress: int,
            total: int) -> float:
    """The value at `progress` along phases with the given (start, end) values and the schedule's phase ends."""
    owner = type(schedule).__name__
    steps = total if schedule.total_steps is None else schedule.total_steps
    if steps < total:
        raise ConfigError(f"{owner}: total_steps={steps} is smaller than the run's {total} iterations")
    pct = schedule.pct_start
    ends = [pct * steps - 1] + ([2 * pct * steps - 2] if schedule.three_phase else []) + [steps - 1.0]
    if any(end <= previous for previous, end in zip([0.0] + ends, ends)):
        raise ConfigError(f"{owner}: the phases end at iterations {ends}, which must rise from 0: "
                          f"{steps} total steps are too few for pct_start={schedule.pct_start}")
    anneal: AnnealFunction = anneal_function(owner, schedule.anneal_strategy)
    start = 0.0
    for index, (end, (first, last)) in enumerate(zip(ends, values)):
        if progress <= end or index == len(ends) - 1:
            return anneal(first, last, (progress - start) / (end - start))
        start = end
    raise AssertionError("unreachable: the last phase always matches")
