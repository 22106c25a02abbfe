"""Policies that anneal from the base towards a target: cosine, flat-then-cosine, cosine with restarts, linear.

Each takes exactly one of `min_value` (an absolute target) and `min_ratio` (target = base·min_ratio).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from typing import ClassVar

from vidrun.config.errors import ConfigError
from vidrun.schedules.annealing import annealing_cos, annealing_linear, target
from vidrun.schedules.checks import require_in, require_int, require_number, require_target


@dataclass(frozen=True)
class CosineAnnealing:
    """`annealing_cos(base, target, p/P)`."""

    min_value: float | None = None
    min_ratio: float | None = None
    by_iteration_only: ClassVar[bool] = False

    def __post_init__(self) -> None:
        require_target(type(self).__name__, self.min_value, self.min_ratio)

    def __call__(self, base: float, progress: int, total: int) -> float:
        return annealing_cos(base, target(base, self.min_value, self.min_ratio), progress / total)


@dataclass(frozen=True)
class LinearAnnealing:
    """`annealing_linear(base, target, p/P)`."""

    min_value: float | None = None
    min_ratio: float | None = None
    by_iteration_only: ClassVar[bool] = False

    def __post_init__(self) -> None:
        require_target(type(self).__name__, self.min_value, self.min_ratio)

    def __call__(self, base: float, progress: int, total: int) -> float:
        return annealing_linear(base, target(base, self.min_value, self.min_ratio), progress / total)


@dataclass(frozen=True)
class FlatCosineAnnealing:
    """`base` while p < s, then `annealing_cos(base, target, (p − s)/(P − s))`, s = `round(P·start_percent)`.

    `round` is Python's (halves go to the even neighbour), as in mmcv: P=10, start_percent=0.25 gives s=2.
    """

    start_percent: float = 0.75
    min_value: float | None = None
    min_ratio: float | None = None
    by_iteration_only: ClassVar[bool] = False

    def __post_init__(self) -> None:
        owner = type(self).__name__
        object.__setattr__(self, "start_percent",
                           require_in(owner, "start_percent", self.start_percent, 0, 1, high_open=True))
        require_target(owner, self.min_value, self.min_ratio)

    def __call__(self, base: float, progress: int, total: int) -> float:
        start = round(total * self.start_percent)
        if progress < start:
            return base
        factor = (progress - start) / (total - start)
        return annealing_cos(base, target(base, self.min_value, self.min_ratio), factor)


@dataclass(frozen=True)
class CosineRestart:
    """Cosine annealing restarted after each period, the i-th restart starting at weight·(base − target) above it.

    Period i covers `[start_i, start_i + periods[i])`, the starts being the cumulative sums of `periods`; the
    value is `annealing_cos(base, target, (p − start_i)/periods[i], restart_weights[i])`. A progress at or past
    the sum of the periods is an error: the periods must cover the whole run.
    """

    periods: tuple[int, ...]
    restart_weights: tuple[float, ...] = (1.0,)
    min_value: float | None = None
    min_ratio: float | None = None
    by_iteration_only: ClassVar[bool] = False

    def __post_init__(self) -> None:
        owner = type(self).__name__
        if not isinstance(self.periods, (list, tuple)) or not self.periods:
            raise ConfigError(f"{owner}: periods must be a non-empty list of ints, got {self.periods!r}")
        if not isinstance(self.restart_weights, (list, tuple)):
            raise ConfigError(f"{owner}: restart_weights must be a list of numbers, got {self.restart_weights!r}")
        periods = tuple(require_int(owner, "periods", p, 1) for p in self.periods)
        weights = tuple(require_number(owner, "restart_weights", w) for w in self.restart_weights)
        if len(periods) != len(weights):
            raise ConfigError(f"{owner}: periods and restart_weights must have the same length, got "
                              f"{len(periods)} periods {list(periods)} and {len(weights)} weights {list(weights)}")
        object.__setattr__(self, "periods", periods)
        object.__setattr__(self, "restart_weights", weights)
        require_target(owner, self.min_value, self.min_ratio)

    def __call__(self, base: float, progress: int, total: int) -> float:
        start = 0
        for period, weight, end in zip(self.periods, self.restart_weights, accumulate(self.periods)):
            if progress < end:
                factor = min((progress - start) / period, 1)
                return annealing_cos(base, target(base, self.min_value, self.min_ratio), factor, weight)
            start = end
        raise ConfigError(f"CosineRestart: progress {progress} is past the periods {list(self.periods)} "
                          f"(they end at {start}); make the periods sum to at least the run's length ({total})")
