"""CosineAnnealing, LinearAnnealing, FlatCosineAnnealing, CosineRestart against values worked out by hand.

cos(π/4) = 0.70710678118654752, cos(π/5) = 0.80901699437494742, cos(2π/5) = 0.30901699437494742,
cos(π/8) = 0.92387953251128676.
"""
import pytest

from vidrun.config.errors import ConfigError
from vidrun.schedules import CosineAnnealing, CosineRestart, FlatCosineAnnealing, LinearAnnealing


def approx(value):
    return pytest.approx(value, abs=1e-12, rel=1e-9)


def table(schedule, base, total, progresses):
    return [schedule(base, p, total) for p in progresses]


def test_cosine_annealing_to_an_absolute_target():
    # 0.5·(cos(πp/4) + 1)
    assert table(CosineAnnealing(min_value=0.0), 1.0, 4, [0, 1, 2, 3]) == approx(
        [1.0, 0.85355339059327376, 0.5, 0.14644660940672624])


def test_cosine_annealing_to_a_ratio_of_the_base():
    # target 0.2: 0.2 + 0.9·(cos(πp/3) + 1)
    assert table(CosineAnnealing(min_ratio=0.1), 2.0, 3, [0, 1, 2]) == approx([2.0, 1.55, 0.65])


def test_linear_annealing():
    assert table(LinearAnnealing(min_value=0.1), 1.1, 4, [0, 1, 2, 3]) == approx([1.1, 0.85, 0.6, 0.35])
    assert LinearAnnealing(min_ratio=0.5)(2.0, 5, 10) == approx(1.5)


def test_flat_cosine_holds_the_base_then_anneals():
    # s = round(10·0.5) = 5; then 0.5·(cos(π(p − 5)/5) + 1)
    schedule = FlatCosineAnnealing(start_percent=0.5, min_value=0.0)
    assert table(schedule, 1.0, 10, [0, 4, 5, 6, 7, 9]) == approx(
        [1.0, 1.0, 1.0, 0.90450849718747371, 0.65450849718747371, 0.09549150281252629])


def test_flat_cosine_start_uses_pythons_round_half_to_even():
    # round(10·0.25) = round(2.5) = 2, so p = 3 is already 1/8 of the way down
    schedule = FlatCosineAnnealing(start_percent=0.25, min_ratio=0.0)
    assert table(schedule, 1.0, 10, [1, 2, 3]) == approx([1.0, 1.0, 0.96193976625564338])


def test_flat_cosine_from_zero_is_plain_cosine():
    assert FlatCosineAnnealing(0.0, min_value=0.0)(1.0, 1, 4) == approx(0.85355339059327376)


def test_cosine_restart_across_a_restart_with_weights():
    # periods [4, 2]: p 0-3 a full cosine, p 4-5 a second one from 0.5·(base − target) above the target
    schedule = CosineRestart([4, 2], [1.0, 0.5], min_value=0.0)
    assert table(schedule, 1.0, 6, [0, 1, 2, 3, 4, 5]) == approx(
        [1.0, 0.85355339059327376, 0.5, 0.14644660940672624, 0.5, 0.25])


def test_cosine_restart_with_a_ratio_target():
    # target 0.2; p = 4: 0.2 + 0.5·0.5·1.8·2, p = 5: 0.2 + 0.5·0.5·1.8·1
    schedule = CosineRestart((4, 2), (1, 0.5), min_ratio=0.1)
    assert table(schedule, 2.0, 6, [0, 4, 5]) == approx([2.0, 1.1, 0.65])


def test_cosine_restart_past_its_periods_names_progress_and_periods():
    schedule = CosineRestart([4, 2], [1, 0.5], min_value=0.0)
    with pytest.raises(ConfigError, match=r"progress 6 is past the periods \[4, 2\]"):
        schedule(1.0, 6, 8)


@pytest.mark.parametrize("periods, weights, message", [
    ([4, 2], [1], "same length"),
    ([], [], "non-empty list"),
    ([4, 0], [1, 1], "periods must be >= 1"),
    (4, [1], "non-empty list"),
])
def test_cosine_restart_rejects_bad_periods(periods, weights, message):
    with pytest.raises(ConfigError, match=message):
        CosineRestart(periods, weights, min_value=0.0)


@pytest.mark.parametrize("make", [
    lambda **kw: CosineAnnealing(**kw), lambda **kw: LinearAnnealing(**kw),
    lambda **kw: FlatCosineAnnealing(0.5, **kw), lambda **kw: CosineRestart([4], [1], **kw),
])
@pytest.mark.parametrize("targets, given", [({}, "neither"), ({"min_value": 0.0, "min_ratio": 0.1}, "both")])
def test_exactly_one_target(make, targets, given):
    with pytest.raises(ConfigError, match=f"exactly one of min_value and min_ratio.*got {given}"):
        make(**targets)


@pytest.mark.parametrize("start_percent", [1.0, -0.1, 1.5])
def test_flat_cosine_start_percent_in_zero_one(start_percent):
    with pytest.raises(ConfigError, match=r"start_percent must be in \[0, 1\)"):
        FlatCosineAnnealing(start_percent, min_value=0.0)
