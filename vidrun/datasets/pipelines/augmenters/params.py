"""Random parameters with imgaug's meanings, drawn from NumPy's global generator.

A number is a constant; a tuple `(a, b)` is a uniform draw (continuous: `np.random.uniform(a, b)`; discrete:
`np.random.randint(a, b + 1)`); a list is a choice of one of its items. imgaug's `StochasticParameter` objects
have no equivalent and are refused.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def continuous(value: object, name: str) -> Callable[[], float]:
    """A function drawing one float as imgaug's continuous parameter `value` means."""
    if _is_number(value):
        return lambda: float(value)
    if isinstance(value, tuple) and len(value) == 2 and all(_is_number(v) for v in value):
        low, high = value
        return lambda: float(np.random.uniform(low, high))
    if isinstance(value, list) and value and all(_is_number(v) for v in value):
        return lambda: float(value[np.random.randint(len(value))])
    raise ValueError(f"{name} must be a number, a tuple (low, high) or a list of numbers, got {value!r}")


def discrete(value: object, name: str) -> Callable[[], int]:
    """A function drawing one int as imgaug's discrete parameter `value` means ((a, b) includes b)."""
    if _is_number(value) and float(value).is_integer():
        return lambda: int(value)
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        low, high = value
        return lambda: int(np.random.randint(low, high + 1))
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return lambda: int(value[np.random.randint(len(value))])
    raise ValueError(f"{name} must be an int, a tuple (low, high) of ints or a list of ints, got {value!r}")


def probability(value: object, name: str) -> Callable[[], bool]:
    """A function drawing True with probability `value` (a number in [0, 1], or True/False)."""
    if isinstance(value, bool):
        return lambda: value
    if _is_number(value) and 0 <= value <= 1:
        return lambda: bool(np.random.random() < value)
    raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")


def refuse_unless(owner: str, **settings: tuple[object, object]) -> None:
    """A ValueError for each imgaug setting that vidrun implements only at its default: name=(value, default)."""
    for name, (value, default) in settings.items():
        if value != default:
            raise ValueError(f"{owner}: {name}={value!r} is not supported by vidrun's imgaug operations "
                             f"(only {default!r})")
