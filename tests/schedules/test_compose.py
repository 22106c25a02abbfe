"""`value_at`: by epoch and by iteration, with and without warm-up, for the lr and the momentum."""
import pytest

from vidrun.config.errors import ConfigError
from vidrun.schedules import CosineAnnealing, Cyclic, OneCycle, Step, Warmup, value_at


def approx(value):
    return pytest.approx(value, abs=1e-12, rel=1e-9)


def by_epoch(schedule, base, iteration, epoch, **kwargs):
    return value_at(schedule, base, iteration=iteration, epoch=epoch, max_iters=100, max_epochs=4,
                    by_epoch=True, **kwargs)


def by_iter(schedule, base, iteration, **kwargs):
    return value_at(schedule, base, iteration=iteration, epoch=0, max_iters=4, max_epochs=None,
                    by_epoch=False, **kwargs)


def test_by_epoch_uses_the_epoch_and_ignores_the_iteration():
    schedule = Step([2])
    assert [by_epoch(schedule, 1.0, it, ep) for it, ep in [(0, 0), (49, 1), (50, 2), (99, 3)]] == approx(
        [1.0, 1.0, 0.1, 0.1])


def test_by_iteration_uses_the_global_iteration():
    # 0.5·(cos(π·it/4) + 1)
    assert [by_iter(CosineAnnealing(min_value=0.0), 1.0, it) for it in range(4)] == approx(
        [1.0, 0.85355339059327376, 0.5, 0.14644660940672624])


def test_warmup_by_iteration_over_a_by_epoch_policy():
    warmup = Warmup("linear", 4, 0.2)  # factors 0.2, 0.4, 0.6, 0.8, then 1
    assert by_epoch(Step([2]), 1.0, 2, 0, warmup=warmup) == approx(0.6)
    assert by_epoch(Step([2]), 1.0, 2, 2, warmup=warmup) == approx(0.06)
    assert by_epoch(Step([2]), 1.0, 4, 0, warmup=warmup) == approx(1.0)


def test_warmup_over_a_by_iteration_policy():
    warmup = Warmup("constant", 2, 0.5)
    assert [by_iter(CosineAnnealing(min_value=0.0), 1.0, it, warmup=warmup) for it in range(3)] == approx(
        [0.5, 0.42677669529663688, 0.5])


def test_momentum_warmup_divides():
    warmup = Warmup("linear", 4, 0.9)  # it = 2: factor 1 − 0.5·0.1 = 0.95
    assert by_epoch(Step(2, 0.5), 0.9, 2, 0, warmup=warmup, momentum=True) == approx(0.94736842105263158)
    assert by_epoch(Step(2, 0.5), 0.9, 2, 0, warmup=warmup) == approx(0.855)


def test_one_cycle_by_iteration():
    schedule = OneCycle(pct_start=0.2)
    values = [value_at(schedule, 0.01, iteration=it, epoch=0, max_iters=25, max_epochs=5, by_epoch=False)
              for it in (0, 4, 24)]
    assert values == approx([0.01, 0.25, 1e-6])


@pytest.mark.parametrize("schedule", [Cyclic(), OneCycle()])
def test_by_iteration_only_schedule_by_epoch_is_an_error(schedule):
    with pytest.raises(ConfigError, match=f"{type(schedule).__name__} runs by iteration only: set by_epoch=False"):
        by_epoch(schedule, 1.0, 0, 0)


def test_by_epoch_needs_max_epochs():
    with pytest.raises(ConfigError, match="needs max_epochs >= 1, got None"):
        value_at(Step(2), 1.0, iteration=0, epoch=0, max_iters=10, max_epochs=None, by_epoch=True)


def test_by_iteration_needs_max_iters():
    with pytest.raises(ConfigError, match="needs max_iters >= 1, got 0"):
        value_at(Step(2), 1.0, iteration=0, epoch=0, max_iters=0, max_epochs=None, by_epoch=False)
