"""Fixed, Step, Exp, Poly, Inv against values worked out by hand from RUNTIME.md's formulas."""
import dataclasses

import pytest

from vidrun.config.errors import ConfigError
from vidrun.schedules import Exp, Fixed, Inv, Poly, Step


def approx(value):
    return pytest.approx(value, abs=1e-12, rel=1e-9)


def table(schedule, base, total, progresses):
    return [schedule(base, p, total) for p in progresses]


def test_fixed():
    assert table(Fixed(), 0.1, 10, [0, 7, 9]) == approx([0.1, 0.1, 0.1])
    assert Fixed.by_iteration_only is False


def test_step_int_divides_progress():
    # k = p // 3
    assert table(Step(3, 0.1), 1.0, 12, [0, 2, 3, 5, 6, 9]) == approx([1, 1, 0.1, 0.1, 0.01, 0.001])


def test_step_list_counts_milestones_reached():
    # k = number of milestones ≤ p
    assert table(Step([2, 5], gamma=0.5), 1.0, 8, [0, 1, 2, 4, 5, 7, 100]) == approx(
        [1, 1, 0.5, 0.5, 0.25, 0.25, 0.25])


def test_step_min_value_is_a_floor():
    assert table(Step(1, 0.1, min_value=0.005), 1.0, 20, [0, 1, 2, 3, 10]) == approx([1, 0.1, 0.01, 0.005, 0.005])


def test_step_stores_milestones_as_a_tuple_and_is_frozen():
    schedule = Step([2, 5])
    assert schedule.step == (2, 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        schedule.gamma = 0.5


@pytest.mark.parametrize("step, message", [
    (0, "step must be >= 1"), ([2, 0], "step must be >= 1"), (2.5, "step must be an integer"),
    (True, "step must be an integer"), ([5, 2], "ascending"),
])
def test_step_rejects_bad_milestones(step, message):
    with pytest.raises(ConfigError, match=message):
        Step(step)


def test_step_rejects_a_non_number_gamma():
    with pytest.raises(ConfigError, match="Step: gamma must be a number"):
        Step(2, gamma="0.1")


def test_exp():
    assert table(Exp(0.9), 2.0, 10, [0, 1, 2, 3]) == approx([2, 1.8, 1.62, 1.458])


def test_poly_default_power_reaches_zero_at_total():
    assert table(Poly(), 1.0, 10, [0, 5, 9]) == approx([1, 0.5, 0.1])


def test_poly_with_power_and_min_value():
    # (1.1 − 0.1)·(1 − p/4)² + 0.1
    assert table(Poly(power=2, min_value=0.1), 1.1, 4, [0, 1, 2, 3]) == approx([1.1, 0.6625, 0.35, 0.1625])


def test_inv():
    # (1 + 0.5p)^−2
    assert table(Inv(0.5, power=2), 1.0, 10, [0, 2, 6]) == approx([1, 0.25, 0.0625])
    assert Inv(0.1)(2.0, 10, 20) == approx(1.0)


def test_exp_needs_a_gamma():
    with pytest.raises(TypeError):
        Exp()  # gamma is required, as in mmcv
