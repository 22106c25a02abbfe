"""The two annealing curves and the strategy look-up; expected values are worked out by hand."""
import pytest

from vidrun.config.errors import ConfigError
from vidrun.schedules import anneal_function, annealing_cos, annealing_linear


def approx(value):
    return pytest.approx(value, abs=1e-12, rel=1e-9)


@pytest.mark.parametrize("start, end, factor, weight, expected", [
    (1.0, 0.0, 0.0, 1.0, 1.0),
    (1.0, 0.0, 0.5, 1.0, 0.5),           # cos(π/2) = 0
    (1.0, 0.0, 1.0, 1.0, 0.0),
    (2.0, 0.5, 1 / 3, 1.0, 1.625),       # 0.5 + 0.5·1.5·(0.5 + 1)
    (1.0, 0.0, 0.0, 0.5, 0.5),           # a restart weight scales the height above the end
    (2.0, 0.0, 0.5, 0.5, 0.5),           # 0.5·0.5·2·(0 + 1)
    (0.0, 1.0, 0.5, 1.0, 0.5),           # rising works the same way
])
def test_annealing_cos(start, end, factor, weight, expected):
    assert annealing_cos(start, end, factor, weight) == approx(expected)


@pytest.mark.parametrize("start, end, factor, expected", [
    (1.0, 0.2, 0.0, 1.0), (1.0, 0.2, 0.25, 0.8), (0.1, 0.5, 0.5, 0.3), (1.0, 0.2, 1.0, 0.2),
])
def test_annealing_linear(start, end, factor, expected):
    assert annealing_linear(start, end, factor) == approx(expected)


def test_anneal_function_by_name():
    assert anneal_function("X", "cos") is annealing_cos
    assert anneal_function("X", "linear") is annealing_linear


@pytest.mark.parametrize("bad", ["cosine", "Cos", None, ["cos"]])
def test_bad_anneal_strategy_names_the_choices(bad):
    with pytest.raises(ConfigError, match=r"Cyclic: anneal_strategy must be one of \['cos', 'linear'\]"):
        anneal_function("Cyclic", bad)
