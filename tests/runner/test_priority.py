import pytest

from vidrun.config import ConfigError
from vidrun.runner import EpochBasedRunner, Hook, Priority, get_priority


def test_priority_by_name_int_and_enum():
    assert get_priority("normal") == get_priority("NORMAL") == get_priority(Priority.NORMAL) == 50
    assert [get_priority(p) for p in ("HIGHEST", "VERY_HIGH", "HIGH", "ABOVE_NORMAL", "BELOW_NORMAL", "LOW",
                                      "VERY_LOW", "LOWEST")] == [0, 10, 30, 40, 60, 70, 90, 100]
    assert get_priority(0) == 0 and get_priority(100) == 100


def test_bad_priorities():
    with pytest.raises(ConfigError, match="unknown priority 'NORMALL' \\(did you mean 'NORMAL'\\?\\)"):
        get_priority("NORMALL")
    with pytest.raises(ValueError, match="between 0 and 100"):
        get_priority(101)
    with pytest.raises(TypeError):
        get_priority(1.5)
    with pytest.raises(TypeError):
        get_priority(True)


def test_hooks_sorted_by_priority_ties_in_registration_order(toy_model, quiet_logger):
    runner = EpochBasedRunner(toy_model, None, None, quiet_logger, max_epochs=1)
    names = {}
    for name, priority in [("a", "LOW"), ("b", "HIGHEST"), ("c", 70), ("d", Priority.VERY_HIGH), ("e", "low")]:
        hook = Hook()
        names[id(hook)] = name
        runner.register_hook(hook, priority)
    assert [names[id(h)] for h in runner.hooks] == ["b", "d", "a", "c", "e"]
    with pytest.raises(ValueError, match="already registered"):
        runner.register_hook(runner.hooks[0])
    with pytest.raises(TypeError, match="is not a Hook"):
        runner.register_hook(object())
