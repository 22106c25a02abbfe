"""Cyclic, for the lr and for the momentum, against values worked out by hand.

cos(π/4) = 0.70710678118654752, cos(5π/6) = −0.86602540378443865.
"""
import pytest

from vidrun.config.errors import ConfigError
from vidrun.schedules import Cyclic


def approx(value):
    return pytest.approx(value, abs=1e-12, rel=1e-9)


def table(schedule, base, total, progresses):
    return [schedule(base, p, total) for p in progresses]


def test_default_one_cycle_cos():
    # M = 10, up = 4. Up: 10 − 4.5·(cos(πp/4) + 1); down from 10 to 1e-4 over [4, 10)
    values = table(Cyclic(), 1.0, 10, [0, 1, 2, 3, 4, 7, 9])
    assert values == approx([1.0, 2.3180194846605361, 5.5, 8.6819805153394638, 10.0, 5.00005,
                             0.66996628234799597])  # p = 9: 1e-4 + 4.99995·(1 − 0.86602540378443865)


def test_two_cycles_with_gamma_and_a_float_target_ratio_linear():
    # target (5, 5e-5); M = 4, up = 2; cycle 0 peaks at 5, cycle 1 at 1 − 0.5 + 5·0.5 = 3
    schedule = Cyclic(target_ratio=5.0, cyclic_times=2, step_ratio_up=0.5, anneal_strategy="linear", gamma=0.5)
    assert schedule.target_ratio == (5.0, 5e-5)
    assert table(schedule, 1.0, 8, range(8)) == approx([1, 3, 5, 2.500025, 1, 2, 3, 1.500025])
    assert schedule(0.2, 5, 8) == approx(0.4)


def test_momentum_flavour():
    # base 0.95: up from 0.95 to 0.85 over [0, 4), down back to 0.95 over [4, 10)
    schedule = Cyclic(target_ratio=(0.85 / 0.95, 1))
    assert table(schedule, 0.95, 10, [0, 2, 4, 7, 9]) == approx(
        [0.95, 0.9, 0.85, 0.9, 0.94330127018922193])  # p = 9: 0.95 − 0.05·(1 − 0.86602540378443865)


def test_by_iteration_only():
    assert Cyclic.by_iteration_only is True


@pytest.mark.parametrize("kwargs, message", [
    ({"target_ratio": (1, 2, 3)}, "number or a pair"),
    ({"target_ratio": "10"}, "target_ratio must be a number"),
    ({"step_ratio_up": 1.0}, r"step_ratio_up must be in \[0, 1\)"),
    ({"anneal_strategy": "cosine"}, "anneal_strategy must be one of"),
    ({"gamma": 0}, r"gamma must be in \(0, 1\]"),
    ({"cyclic_times": 0}, "cyclic_times must be >= 1"),
])
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Cyclic(**kwargs)


def test_more_cycles_than_iterations():
    with pytest.raises(ConfigError, match="3 cycles do not fit in 2 iterations"):
        Cyclic(cyclic_times=3)(1.0, 0, 2)
