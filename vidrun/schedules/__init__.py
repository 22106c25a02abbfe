"""Learning-rate and momentum schedules as pure functions of progress, and warm-up composed over them.

A schedule is a small immutable object: `schedule(base, progress, total)` is the regular value at 0-based
progress out of `total` (epochs or global iterations). `value_at` picks the progress the runner's counters
give and applies a `Warmup`. Nothing here knows about runners or optimizers, and nothing carries state, so
a resumed run needs only its counters.
"""
from vidrun.schedules.annealed import CosineAnnealing, CosineRestart, FlatCosineAnnealing, LinearAnnealing
from vidrun.schedules.annealing import ANNEAL_STRATEGIES, anneal_function, annealing_cos, annealing_linear
from vidrun.schedules.compose import Schedule, value_at
from vidrun.schedules.cyclic import Cyclic
from vidrun.schedules.one_cycle import OneCycle, OneCycleMomentum, one_cycle_initial
from vidrun.schedules.policies import Exp, Fixed, Inv, Poly, Step
from vidrun.schedules.warmup import WARMUP_KINDS, Warmup

__all__ = [
    "ANNEAL_STRATEGIES", "WARMUP_KINDS",
    "CosineAnnealing", "CosineRestart", "Cyclic", "Exp", "Fixed", "FlatCosineAnnealing", "Inv",
    "LinearAnnealing", "OneCycle", "OneCycleMomentum", "Poly", "Schedule", "Step", "Warmup",
    "anneal_function", "annealing_cos", "annealing_linear", "one_cycle_initial", "value_at",
]
