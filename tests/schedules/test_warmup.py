"""Warm-up for the lr (multiplies) and the momentum (divides), at it = 0, W/2, W−1, W, against hand values.

W = 4. lr: ratio 0.2, regular 0.5; momentum: ratio 0.5, regular 0.45.
0.2^0.5 = 0.44721359549995794, 0.2^0.25 = 0.66874030497642201, 2^0.5 = 1.41421356237309505,
2^0.25 = 1.18920711500272106.
"""
import pytest

from vidrun.config.errors import ConfigError
from vidrun.schedules import Warmup


def approx(value):
    return pytest.approx(value, abs=1e-12, rel=1e-9)


ITERATIONS = [0, 2, 3, 4, 10]


@pytest.mark.parametrize("kind, expected", [
    ("constant", [0.1, 0.1, 0.1, 0.5, 0.5]),
    ("linear", [0.1, 0.3, 0.4, 0.5, 0.5]),   # factor 1 − (1 − it/4)·0.8: 0.2, 0.6, 0.8
    ("exp", [0.1, 0.22360679774997897, 0.33437015248821101, 0.5, 0.5]),  # 0.5·0.2^(1 − it/4)
])
def test_lr_warmup(kind, expected):
    warmup = Warmup(kind, 4, 0.2)
    assert [warmup.lr(0.5, it) for it in ITERATIONS] == approx(expected)


@pytest.mark.parametrize("kind, expected", [
    ("constant", [0.9, 0.9, 0.9, 0.45, 0.45]),
    ("linear", [0.9, 0.6, 0.51428571428571429, 0.45, 0.45]),   # 0.45 / (1 − (1 − it/4)·0.5): /0.5, /0.75, /0.875
    ("exp", [0.9, 0.63639610306789277, 0.53514320175122448, 0.45, 0.45]),  # 0.45·2^(1 − it/4)
])
def test_momentum_warmup_divides(kind, expected):
    warmup = Warmup(kind, 4, 0.5)
    assert [warmup.momentum(0.45, it) for it in ITERATIONS] == approx(expected)


def test_factor_is_exactly_one_after_warmup():
    assert Warmup("exp", 4, 0.2).factor(4) == 1.0


def test_bad_kind_lists_the_kinds():
    with pytest.raises(ConfigError, match="warmup must be one of 'constant', 'linear', 'exp'.*got 'cosine'"):
        Warmup("cosine", 4, 0.2)


@pytest.mark.parametrize("iters", [0, -1, 2.5])
def test_iters_must_be_a_positive_int(iters):
    with pytest.raises(ConfigError, match="warmup_iters must be"):
        Warmup("linear", iters, 0.2)


@pytest.mark.parametrize("ratio", [0, -0.5, 1.5, "0.1"])
def test_ratio_in_zero_one(ratio):
    with pytest.raises(ConfigError, match="warmup_ratio must be"):
        Warmup("linear", 4, ratio)


def test_ratio_one_is_allowed():
    assert Warmup("constant", 4, 1).lr(0.5, 0) == approx(0.5)
