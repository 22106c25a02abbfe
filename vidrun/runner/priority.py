"""Hook priorities: lower runs first; hooks of equal priority run in the order they were registered."""
from __future__ import annotations

from enum import IntEnum

from vidrun.config import ConfigError, did_you_mean


class Priority(IntEnum):
    HIGHEST = 0
    VERY_HIGH = 10
    HIGH = 30
    ABOVE_NORMAL = 40
    NORMAL = 50
    BELOW_NORMAL = 60
    LOW = 70
    VERY_LOW = 90
    LOWEST = 100


def get_priority(priority: int | str | Priority) -> int:
    """The number of a priority given as a `Priority`, a name in any case (`'normal'`), or an int 0–100."""
    if isinstance(priority, Priority):
        return int(priority)
    if isinstance(priority, bool):
        raise TypeError(f"priority must be a name, an int 0-100 or a Priority, not {priority!r}")
    if isinstance(priority, int):
        if not 0 <= priority <= 100:
            raise ValueError(f"priority must lie between 0 and 100, not {priority}")
        return priority
    if isinstance(priority, str):
        name = priority.upper()
        if name not in Priority.__members__:
            raise ConfigError(f"unknown priority {priority!r}{did_you_mean(name, Priority.__members__)}; "
                              f"use one of {', '.join(Priority.__members__)} or an int 0-100")
        return int(Priority[name])
    raise TypeError(f"priority must be a name, an int 0-100 or a Priority, not {priority!r}")
