"""Argument checks shared by the schedules: each raises `ConfigError` naming the schedule and the argument.

A schedule validates its arguments once, in its constructor, so that `__call__` stays a plain formula.
"""
from __future__ import annotations

import numbers

from vidrun.config.errors import ConfigError


def require_number(owner: str, name: str, value: object) -> float:
    """`value` as a float; bools and non-numbers are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{owner}: {name} must be a number, got {value!r}")
    return float(value)


def require_int(owner: str, name: str, value: object, minimum: int) -> int:
    """`value` as an int not below `minimum`; bools, floats and non-numbers are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{owner}: {name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{owner}: {name} must be >= {minimum}, got {value!r}")
    return int(value)


def require_in(owner: str, name: str, value: object, low: float, high: float, *,
               low_open: bool = False, high_open: bool = False) -> float:
    """`value` as a float inside the interval from `low` to `high` (each end closed unless said open)."""
    number = require_number(owner, name, value)
    too_low = number <= low if low_open else number < low
    too_high = number >= high if high_open else number > high
    if too_low or too_high:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ConfigError(f"{owner}: {name} must be in {interval}, got {value!r}")
    return number


def require_positive(owner: str, name: str, value: object) -> float:
    """`value` as a float > 0."""
    number = require_number(owner, name, value)
    if number <= 0:
        raise ConfigError(f"{owner}: {name} must be > 0, got {value!r}")
    return number


def require_target(owner: str, min_value: object, min_ratio: object) -> None:
    """Exactly one of `min_value` (an absolute target) and `min_ratio` (a fraction of the base) is given."""
    if (min_value is None) == (min_ratio is None):
        given = "both" if min_value is not None else "neither"
        raise ConfigError(f"{owner}: give exactly one of min_value and min_ratio (the config's min_lr / "
                          f"min_lr_ratio or min_momentum / min_momentum_ratio), got {given}")
    if min_value is not None:
        require_number(owner, "min_value", min_value)
    else:
        require_number(owner, "min_ratio", min_ratio)
