"""Policy names from configs: spellings accepted, the classes they select, and the errors for unknown ones."""
import pytest

from vidrun.config.errors import ConfigError
from vidrun.schedules import (LR_POLICIES, MOMENTUM_POLICIES, CosineAnnealing, CosineRestart, Cyclic, Exp, Fixed,
                              FlatCosineAnnealing, Inv, LinearAnnealing, OneCycle, OneCycleMomentum, Poly, Step,
                              policy_name)


@pytest.mark.parametrize("spelling, canonical", [
    ("step", "Step"), ("Step", "Step"), ("CosineAnnealing", "CosineAnnealing"),
    ("cosineannealing", "CosineAnnealing"), ("cosine_annealing", "CosineAnnealing"),
    ("COSINE_ANNEALING", "CosineAnnealing"), ("poly", "Poly"), ("OneCycle", "OneCycle"),
    ("onecycle", "OneCycle"), ("one_cycle", "OneCycle"), ("cyclic", "Cyclic"), ("fixed", "Fixed"),
    ("flat_cosine_annealing", "FlatCosineAnnealing"), ("CosineRestart", "CosineRestart"), ("inv", "Inv"),
])
def test_spellings(spelling, canonical):
    assert policy_name(spelling) == canonical


def test_the_tables():
    assert LR_POLICIES == {
        "Fixed": Fixed, "Step": Step, "Exp": Exp, "Poly": Poly, "Inv": Inv, "CosineAnnealing": CosineAnnealing,
        "FlatCosineAnnealing": FlatCosineAnnealing, "CosineRestart": CosineRestart,
        "LinearAnnealing": LinearAnnealing, "Cyclic": Cyclic, "OneCycle": OneCycle}
    assert MOMENTUM_POLICIES == {
        "Step": Step, "CosineAnnealing": CosineAnnealing, "LinearAnnealing": LinearAnnealing,
        "Cyclic": Cyclic, "OneCycle": OneCycleMomentum}


def test_momentum_names():
    assert policy_name("one_cycle", momentum=True) == "OneCycle"
    assert policy_name("linearannealing", momentum=True) == "LinearAnnealing"


@pytest.mark.parametrize("policy, suggestion", [
    ("Stpe", "Step"), ("cosin_annealing", "CosineAnnealing"), ("OneCycel", "OneCycle"),
])
def test_unknown_policy_suggests_and_lists(policy, suggestion):
    with pytest.raises(ConfigError) as error:
        policy_name(policy)
    message = str(error.value)
    assert f"lr_config.policy: {policy!r} is not a known policy (did you mean {suggestion!r}" in message
    assert "known: Fixed, Step, Exp, Poly, Inv, CosineAnnealing" in message


def test_lr_only_policy_for_momentum():
    with pytest.raises(ConfigError, match=r"momentum_config.policy: 'poly' is not a known policy \(it is an lr "
                                          r"policy only\); known: Step, CosineAnnealing, LinearAnnealing"):
        policy_name("poly", momentum=True)


def test_nothing_close():
    with pytest.raises(ConfigError, match=r"'zzz' is not a known policy; known: "):
        policy_name("zzz")


def test_non_string():
    with pytest.raises(ConfigError, match="lr_config.policy must be a string, got None"):
        policy_name(None)
