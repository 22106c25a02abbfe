"""OneCycle (lr) and OneCycleMomentum against values worked out by hand.

T = 25, pct_start = 0.2: the first phase ends at 0.2·25 − 1 = 4, the middle one (three phases) at
2·0.2·25 − 2 = 8, the last at 24. max_lr 0.25, div_factor 25: the initial lr (the base) is 0.01, the
final one 0.01/1e4 = 1e-6. cos(π/4) = 0.70710678118654752.
"""
import pytest

from vidrun.config.errors import ConfigError
from vidrun.schedules import OneCycle, OneCycleMomentum, one_cycle_initial


def approx(value):
    return pytest.approx(value, abs=1e-12, rel=1e-9)


def table(schedule, base, total, progresses):
    return [schedule(base, p, total) for p in progresses]


def test_initial_lr_helper():
    assert one_cycle_initial(0.25, 25) == approx(0.01)
    assert one_cycle_initial(1.0) == approx(0.04)


def test_two_phases_cos():
    schedule = OneCycle(pct_start=0.2)
    base = 0.01
    # 0, middle of the rise, 1/4 of the rise, peak, middle of the fall, T − 1
    assert table(schedule, base, 25, [0, 2, 1, 4, 14, 24]) == approx(
        [0.01, 0.13, 0.04514718625761430, 0.25, 0.1250005, 1e-6])  # p = 1: 0.25 − 0.12·1.70710678118654752


def test_three_phases_cos():
    schedule = OneCycle(pct_start=0.2, three_phase=True)
    # 0, middle of rise, peak, middle of the way back, back at initial, middle of the fall, T − 1
    assert table(schedule, 0.01, 25, [0, 2, 4, 6, 8, 16, 24]) == approx(
        [0.01, 0.13, 0.25, 0.13, 0.01, 0.0050005, 1e-6])


def test_two_phases_linear():
    schedule = OneCycle(pct_start=0.2, anneal_strategy="linear")
    # p = 1: 0.01 + 0.24·1/4; p = 9: 0.25 + (1e-6 − 0.25)·5/20
    assert table(schedule, 0.01, 25, [1, 4, 9, 24]) == approx([0.07, 0.25, 0.18750025, 1e-6])


def test_total_steps_longer_than_the_run():
    # T = 50: the peak is at 0.2·50 − 1 = 9
    assert OneCycle(total_steps=50, pct_start=0.2)(0.01, 9, 25) == approx(0.25)


def test_total_steps_shorter_than_the_run_is_an_error():
    with pytest.raises(ConfigError, match="total_steps=20 is smaller than the run's 25 iterations"):
        OneCycle(total_steps=20)(0.01, 0, 25)


def test_momentum_two_phases_ignores_base():
    schedule = OneCycleMomentum(pct_start=0.2)
    assert table(schedule, 123.0, 25, [0, 2, 4, 14, 24]) == approx([0.95, 0.9, 0.85, 0.9, 0.95])


def test_momentum_three_phases():
    schedule = OneCycleMomentum(0.8, 1.0, pct_start=0.2, three_phase=True)
    assert table(schedule, 1.0, 25, [0, 2, 4, 6, 8, 16, 24]) == approx([1.0, 0.9, 0.8, 0.9, 1.0, 1.0, 1.0])


def test_momentum_linear():
    assert OneCycleMomentum(pct_start=0.2, anneal_strategy="linear")(0.95, 1, 25) == approx(0.925)


def test_by_iteration_only():
    assert OneCycle.by_iteration_only is True and OneCycleMomentum.by_iteration_only is True


@pytest.mark.parametrize("kwargs, message", [
    ({"pct_start": 0}, r"pct_start must be in \(0, 1\)"),
    ({"pct_start": 1.0}, r"pct_start must be in \(0, 1\)"),
    ({"anneal_strategy": "cosine"}, "anneal_strategy must be one of"),
    ({"div_factor": 0}, "div_factor must be > 0"),
    ({"final_div_factor": -1}, "final_div_factor must be > 0"),
    ({"total_steps": 0}, "total_steps must be >= 1"),
    ({"three_phase": "yes"}, "three_phase must be True or False"),
])
def test_lr_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        OneCycle(**kwargs)


def test_momentum_takes_floats_only():
    with pytest.raises(ConfigError, match="OneCycleMomentum: base_momentum must be a number"):
        OneCycleMomentum(base_momentum=[0.85, 0.9])


@pytest.mark.parametrize("pct_start, three_phase, total", [(0.2, False, 5), (0.6, True, 10)])
def test_phases_that_do_not_rise_are_an_error(pct_start, three_phase, total):
    # T = 5: the first phase would end at 0; three phases with pct 0.6 over 10: ends 5, 10, 9
    with pytest.raises(ConfigError, match="must rise from 0"):
        OneCycle(pct_start=pct_start, three_phase=three_phase)(0.01, 0, total)
