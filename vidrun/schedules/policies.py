"""The simple policies: a closed formula of the base and the progress `p` (out of `P`).

Every schedule in this package is an immutable object whose constructor checks its arguments and whose
`__call__(base, progress, total)` returns the regular value at 0-based progress `p = progress` out of
`P = total` (epochs when the hook runs by epoch, global iterations otherwise). Warm-up is not applied here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from vidrun.config.errors import ConfigError
from vidrun.schedules.checks import require_int, require_number


@dataclass(frozen=True)
class Fixed:
    """`base`, whatever the progress."""

    by_iteration_only: ClassVar[bool] = False

    def __call__(self, base: float, progress: int, total: int) -> float:
        return base


@dataclass(frozen=True)
class Step:
    """`max(base·gamma^k, min_value)`, k = `p // step` (an int step) or the number of milestones ≤ p (a list).

    A list of milestones must be ascending positive ints; it is stored as a tuple. `min_value=None` means
    no floor.
    """

    step: int | tuple[int, ...]
    gamma: float = 0.1
    min_value: float | None = None
    by_iteration_only: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if isinstance(self.step, (list, tuple)):
            steps = tuple(require_int("Step", "step", s, 1) for s in self.step)
            if list(steps) != sorted(steps):
                raise ConfigError(f"Step: the step milestones must be ascending, got {list(steps)}")
            object.__setattr__(self, "step", steps)
        else:
            object.__setattr__(self, "step", require_int("Step", "step", self.step, 1))
        object.__setattr__(self, "gamma", require_number("Step", "gamma", self.gamma))
        if self.min_value is not None:
            object.__setattr__(self, "min_value", require_number("Step", "min_value", self.min_value))

    def __call__(self, base: float, progress: int, total: int) -> float:
        if isinstance(self.step, int):
            k = progress // self.step
        else:
            k = sum(1 for milestone in self.step if milestone <= progress)
        value = base * self.gamma ** k
        return value if self.min_value is None else max(value, self.min_value)


@dataclass(frozen=True)
class Exp:
    """`base·gamma^p`."""

    gamma: float
    by_iteration_only: ClassVar[bool] = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", require_number("Exp", "gamma", self.gamma))

    def __call__(self, base: float, progress: int, total: int) -> float:
        return base * self.gamma ** progress


@dataclass(frozen=True)
class Poly:
    """`(base − min_value)·(1 − p/P)^power + min_value` for p ≤ P: reaches `min_value` at p = P (never used)."""

    power: float = 1.0
    min_value: float = 0.0
    by_iteration_only: ClassVar[bool] = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "power", require_number("Poly", "power", self.power))
        object.__setattr__(self, "min_value", require_number("Poly", "min_value", self.min_value))

    def __call__(self, base: float, progress: int, total: int) -> float:
        return (base - self.min_value) * (1 - progress / total) ** self.power + self.min_value


@dataclass(frozen=True)
class Inv:
    """`base·(1 + gamma·p)^(−power)`."""

    gamma: float
    power: float = 1.0
    by_iteration_only: ClassVar[bool] = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", require_number("Inv", "gamma", self.gamma))
        object.__setattr__(self, "power", require_number("Inv", "power", self.power))

    def __call__(self, base: float, progress: int, total: int) -> float:
        return base * (1 + self.gamma * progress) ** (-self.power)
