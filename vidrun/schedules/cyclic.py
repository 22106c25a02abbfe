"""The cyclic policy: cycles of a rise then a fall, by global iteration only."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from vidrun.config.errors import ConfigError
from vidrun.schedules.annealing import anneal_function
from vidrun.schedules.checks import require_in, require_int, require_number


@dataclass(frozen=True)
class Cyclic:
    """`cyclic_times` cycles over the run, each rising from base to base·r0 then falling to base·r1.

    With `T = total` (max_iters), `M = T // cyclic_times`, `up = int(step_ratio_up·M)`, `c = p % M` and
    `s = gamma^(p // M)`: over `[0, up)` the ratio goes from 1 to `1 − s + r0·s`, over `[up, M)` from
    `1 − s + r0·s` to r1, each by `anneal_strategy` ('cos' or 'linear') on `(c − phase start)/(phase length)`.
    A float `target_ratio` r means `(r, r/1e5)`. The momentum flavour uses `target_ratio=(0.85/0.95, 1)`.
    """

    target_ratio: tuple[float, float] | float = (10, 1e-4)
    cyclic_times: int = 1
    step_ratio_up: float = 0.4
    anneal_strategy: str = "cos"
    gamma: float = 1.0
    by_iteration_only: ClassVar[bool] = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "target_ratio", _target_ratio(self.target_ratio))
        object.__setattr__(self, "cyclic_times", require_int("Cyclic", "cyclic_times", self.cyclic_times, 1))
        object.__setattr__(self, "step_ratio_up",
                           require_in("Cyclic", "step_ratio_up", self.step_ratio_up, 0, 1, high_open=True))
        anneal_function("Cyclic", self.anneal_strategy)
        object.__setattr__(self, "gamma", require_in("Cyclic", "gamma", self.gamma, 0, 1, low_open=True))

    def __call__(self, base: float, progress: int, total: int) -> float:
        per_cycle = total // self.cyclic_times
        if per_cycle < 1:
            raise ConfigError(f"Cyclic: {self.cyclic_times} cycles do not fit in {total} iterations")
        up = int(self.step_ratio_up * per_cycle)
        in_cycle = progress % per_cycle
        scale = self.gamma ** (progress // per_cycle)
        peak = 1 - scale + self.target_ratio[0] * scale
        if in_cycle < up:
            start, end, phase_start, phase_end = 1.0, peak, 0, up
        else:
            start, end, phase_start, phase_end = peak, self.target_ratio[1], up, per_cycle
        anneal = anneal_function("Cyclic", self.anneal_strategy)
        return anneal(base * start, base * end, (in_cycle - phase_start) / (phase_end - phase_start))


def _target_ratio(value: object) -> tuple[float, float]:
    """`(r0, r1)` from a config's target_ratio: a number r, or a pair."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ConfigError(f"Cyclic: target_ratio must be a number or a pair (r0, r1), got {value!r}")
        return (require_number("Cyclic", "target_ratio", value[0]),
                require_number("Cyclic", "target_ratio", value[1]))
    ratio = require_number("Cyclic", "target_ratio", value)
    return (ratio, ratio / 1e5)
