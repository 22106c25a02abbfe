"""`value_at`: a schedule's regular value at the runner's counters, with warm-up composed over it.

The one place where "by epoch or by iteration" and warm-up meet; the updater hooks and `plot-lr` both call it.
"""
from __future__ import annotations

from typing import Protocol

from vidrun.config.errors import ConfigError
from vidrun.schedules.warmup import Warmup


class Schedule(Protocol):
    """What every policy provides: `schedule(base, progress, total)` and whether it runs by iteration only."""

    by_iteration_only: bool

    def __call__(self, base: float, progress: int, total: int) -> float: ...


def value_at(schedule: Schedule, base: float, *, iteration: int, epoch: int, max_iters: int,
             max_epochs: int | None, by_epoch: bool, warmup: Warmup | None = None,
             momentum: bool = False) -> float:
    """The value to use at 0-based global `iteration` (in 0-based `epoch`) for a group whose base is `base`.

    The regular value is `schedule(base, epoch, max_epochs)` when `by_epoch`, else
    `schedule(base, iteration, max_iters)`; warm-up (lr flavour, or momentum flavour when `momentum`) then
    applies by `iteration`. Raises `ConfigError` for a by-iteration-only schedule with `by_epoch=True`, and
    for a missing or non-positive total.
    """
    name = type(schedule).__name__
    if by_epoch:
        if getattr(schedule, "by_iteration_only", False):
            raise ConfigError(f"{name} runs by iteration only: set by_epoch=False")
        if max_epochs is None or max_epochs < 1:
            raise ConfigError(f"{name} by epoch needs max_epochs >= 1, got {max_epochs!r}")
        regular = schedule(base, epoch, max_epochs)
    else:
        if max_iters < 1:
            raise ConfigError(f"{name} by iteration needs max_iters >= 1, got {max_iters!r}")
        regular = schedule(base, iteration, max_iters)
    if warmup is None:
        return regular
    return warmup.momentum(regular, iteration) if momentum else warmup.lr(regular, iteration)
