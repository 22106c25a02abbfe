"""Warm-up: a factor over the first iterations, composed over any policy's regular value."""
from __future__ import annotations

from dataclasses import dataclass

from vidrun.config.errors import ConfigError
from vidrun.schedules.checks import require_in, require_int

WARMUP_KINDS = ("constant", "linear", "exp")


@dataclass(frozen=True)
class Warmup:
    """Warm-up over the first `iters` global iterations (always by iteration, even for a by-epoch policy).

    While `it < iters` the lr is multiplied, and the momentum divided, by a factor that starts at `ratio`:
    constant `ratio`; linear `1 − (1 − it/iters)(1 − ratio)`; exp `ratio^(1 − it/iters)`. From `it = iters`
    on, the regular value is returned unchanged. A hook with `warmup_by_epoch` passes epochs × loader length.
    """

    kind: str
    iters: int
    ratio: float

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in WARMUP_KINDS:
            raise ConfigError(f"warmup must be one of {', '.join(repr(k) for k in WARMUP_KINDS)} (or None), "
                              f"got {self.kind!r}")
        object.__setattr__(self, "iters", require_int("Warmup", "warmup_iters", self.iters, 1))
        object.__setattr__(self, "ratio",
                           require_in("Warmup", "warmup_ratio", self.ratio, 0, 1, low_open=True))

    def factor(self, it: int) -> float:
        """The factor at global iteration `it`: in (0, 1] during the warm-up, exactly 1.0 from `iters` on."""
        if it >= self.iters:
            return 1.0
        if self.kind == "constant":
            return self.ratio
        if self.kind == "linear":
            return 1 - (1 - it / self.iters) * (1 - self.ratio)
        return self.ratio ** (1 - it / self.iters)

    def lr(self, regular: float, it: int) -> float:
        """The warmed-up lr at global iteration `it`: `regular·factor(it)`."""
        return regular * self.factor(it)

    def momentum(self, regular: float, it: int) -> float:
        """The warmed-up momentum at global iteration `it`: `regular / factor(it)` (it starts high)."""
        return regular / self.factor(it)
