"""The two annealing curves every policy is built from, and the look-up of one by its config name."""
from __future__ import annotations

import math
from collections.abc import Callable

from vidrun.config.errors import ConfigError

AnnealFunction = Callable[[float, float, float], float]


def annealing_cos(start: float, end: float, factor: float, weight: float = 1.0) -> float:
    """Half a cosine from `start` (factor 0) to `end` (factor 1).

    `weight` scales the height above `end`: at factor 0 the value is `end + weight·(start − end)`.
    A factor outside [0, 1] is not clamped; the cosine simply continues.
    """
    return end + 0.5 * weight * (start - end) * (math.cos(math.pi * factor) + 1)


def annealing_linear(start: float, end: float, factor: float) -> float:
    """The straight line from `start` (factor 0) to `end` (factor 1), not clamped outside [0, 1]."""
    return start + (end - start) * factor


# `annealing_cos` with its weight left at 1, so both share the (start, end, factor) signature.
ANNEAL_STRATEGIES: dict[str, AnnealFunction] = {"cos": annealing_cos, "linear": annealing_linear}


def anneal_function(owner: str, strategy: object) -> AnnealFunction:
    """The curve named by a config's `anneal_strategy` ('cos' or 'linear'); `owner` names the schedule."""
    if not isinstance(strategy, str) or strategy not in ANNEAL_STRATEGIES:
        raise ConfigError(f"{owner}: anneal_strategy must be one of {sorted(ANNEAL_STRATEGIES)}, "
                          f"got {strategy!r}")
    return ANNEAL_STRATEGIES[strategy]  # type: ignore[index]


def target(base: float, min_value: float | None, min_ratio: float | None) -> float:
    """The value a policy anneals to: `min_value` if given, else `base·min_ratio`."""
    return base * min_ratio if min_ratio is not None else min_value  # type: ignore[return-value]
