"""`LogBuffer`: the values of recent iterations, averaged for the loggers."""
from __future__ import annotations

from collections import OrderedDict


class LogBuffer:
    """Collects `{name: value}` per iteration, weighted by its sample count, until a logger averages it.

    `average(n)` puts the weighted mean of the last `n` updates (all when `n` is 0) of every name into
    `output` and marks the buffer `ready`; loggers write `output`, then the runner calls `clear_output()`.
    `clear()` also drops the history (at the end of an epoch or a log interval).
    """

    def __init__(self) -> None:
        self.val_history: dict[str, list[float]] = OrderedDict()
        self.n_history: dict[str, list[int]] = OrderedDict()
        self.output: dict[str, float] = OrderedDict()
        self.ready = False

    def update(self, values: dict[str, float], count: int = 1) -> None:
        for key, value in values.items():
            self.val_history.setdefault(key, []).append(float(value))
            self.n_history.setdefault(key, []).append(count)

    def average(self, n: int = 0) -> None:
        if n < 0:
            raise ValueError(f"n must be >= 0, not {n}")
        for key, values in self.val_history.items():
            counts = self.n_history[key][-n:] if n else self.n_history[key]
            recent = values[-n:] if n else values
            total = sum(counts)
            self.output[key] = sum(v * c for v, c in zip(recent, counts)) / total if total else sum(recent) / len(recent)
        self.ready = True

    def clear_output(self) -> None:
        self.output.clear()
        self.ready = False

    def clear(self) -> None:
        self.val_history.clear()
        self.n_history.clear()
        self.clear_output()
