"""Config policy names (`lr_config.policy`, `momentum_config.policy`) and the schedule class of each.

mmcv title-cases an all-lowercase name, so `cosineannealing` fails there; vidrun compares names lower-cased
with underscores removed, so `CosineAnnealing`, `cosineannealing`, `cosine_annealing` all work.
"""
from __future__ import annotations

from vidrun.config.errors import ConfigError, did_you_mean
from vidrun.schedules.annealed import CosineAnnealing, CosineRestart, FlatCosineAnnealing, LinearAnnealing
from vidrun.schedules.cyclic import Cyclic
from vidrun.schedules.one_cycle import OneCycle, OneCycleMomentum
from vidrun.schedules.policies import Exp, Fixed, Inv, Poly, Step

LR_POLICIES: dict[str, type] = {
    "Fixed": Fixed, "Step": Step, "Exp": Exp, "Poly": Poly, "Inv": Inv,
    "CosineAnnealing": CosineAnnealing, "FlatCosineAnnealing": FlatCosineAnnealing,
    "CosineRestart": CosineRestart, "LinearAnnealing": LinearAnnealing,
    "Cyclic": Cyclic, "OneCycle": OneCycle,
}
MOMENTUM_POLICIES: dict[str, type] = {
    "Step": Step, "CosineAnnealing": CosineAnnealing, "LinearAnnealing": LinearAnnealing,
    "Cyclic": Cyclic, "OneCycle": OneCycleMomentum,
}


def _key(name: str) -> str:
    return name.lower().replace("_", "")


def policy_name(policy: str, *, momentum: bool = False) -> str:
    """The canonical spelling (a key of `LR_POLICIES`, or `MOMENTUM_POLICIES` when `momentum`) of `policy`.

    Raises `ConfigError` for a name that is not a known policy, listing the known ones with a did-you-mean.
    """
    known = MOMENTUM_POLICIES if momentum else LR_POLICIES
    config_key = "momentum_config" if momentum else "lr_config"
    if not isinstance(policy, str):
        raise ConfigError(f"{config_key}.policy must be a string, got {policy!r}")
    by_key = {_key(name): name for name in known}
    if _key(policy) in by_key:
        return by_key[_key(policy)]
    hint = did_you_mean(_key(policy), known)
    if momentum and _key(policy) in {_key(name) for name in LR_POLICIES}:
        hint = " (it is an lr policy only)"
    raise ConfigError(f"{config_key}.policy: {policy!r} is not a known policy{hint}; "
                      f"known: {', '.join(known)}")
