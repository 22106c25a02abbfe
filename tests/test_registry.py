import pytest

from vidrun.config import ConfigDict, ConfigError
from vidrun.registry import Registry, build_from_cfg


@pytest.fixture
def heads():
    registry = Registry("HEADS")

    @registry.register_module()
    class TSNHead:
        def __init__(self, num_classes, in_channels=2048, dropout_ratio=0.4):
            if num_classes <= 0:
                raise ValueError(f"num_classes must be positive, got {num_classes}")
            self.num_classes = num_classes
            self.in_channels = in_channels
            self.dropout_ratio = dropout_ratio

    @registry.register_module(name=["I3DHead", "I3D"])
    class I3DHead:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    return registry


def located(data, origins):
    """A nested config dict as a loaded config would hand it over, knowing its key path and origins."""
    return ConfigDict({"model": {"cls_head": data}}, origins=origins).model.cls_head


def test_register_by_class_name_alias_and_call(heads):
    assert heads.get("TSNHead").__name__ == "TSNHead"
    assert heads.get("I3DHead") is heads.get("I3D")
    assert "TSNHead" in heads and len(heads) == 3
    assert heads.get("Nope") is None

    def make_head(num_classes):
        return num_classes

    assert heads.register_module(module=make_head) is make_head
    assert heads.build(dict(type="make_head", num_classes=3)) == 3


def test_duplicate_name_is_an_error_unless_forced(heads):
    class TSNHead:
        pass

    with pytest.raises(KeyError, match="'TSNHead' is already registered in HEADS.*force=True"):
        heads.register_module(module=TSNHead)
    heads.register_module(module=TSNHead, force=True)
    assert heads.get("TSNHead") is TSNHead


def test_registering_the_same_object_twice_is_harmless(heads):
    cls = heads.get("TSNHead")
    heads.register_module(module=cls)
    assert heads.get("TSNHead") is cls


def test_only_classes_and_functions_register(heads):
    with pytest.raises(TypeError, match="only a class or a function"):
        heads.register_module(module=3)
    with pytest.raises(TypeError, match="force must be a bool"):
        heads.register_module(force=1)
    with pytest.raises(TypeError, match="name must be"):
        heads.register_module(name=[1])


def test_build_passes_arguments_and_default_args_fill_only_missing_keys(heads):
    head = heads.build(dict(type="TSNHead", num_classes=5), default_args=dict(num_classes=9, in_channels=7))
    assert (head.num_classes, head.in_channels) == (5, 7)
    assert build_from_cfg(dict(num_classes=2), heads, default_args=dict(type="TSNHead")).num_classes == 2
    assert build_from_cfg(dict(type=heads.get("I3D"), x=1), heads).kwargs == {"x": 1}


def test_unknown_type_names_key_path_origin_and_suggestion(heads):
    cfg = located(dict(type="TSNHaed", num_classes=3), {"model.cls_head.type": "configs/tsn.py:12"})
    with pytest.raises(ConfigError) as info:
        heads.build(cfg)
    message = str(info.value)
    assert "model.cls_head.type (configs/tsn.py:12)" in message
    assert "'TSNHaed' is not in HEADS" in message
    assert "did you mean 'TSNHead'?" in message


def test_unknown_type_without_close_name_lists_registered(heads):
    with pytest.raises(ConfigError, match=r"'Transformer' is not in HEADS; registered: I3D, I3DHead, TSNHead"):
        heads.build(dict(type="Transformer"))


def test_missing_type_and_bad_type(heads):
    with pytest.raises(ConfigError, match="no 'type' given for an entry of HEADS"):
        heads.build(dict(num_classes=3))
    with pytest.raises(ConfigError, match="must be a registered name, a class or a function"):
        heads.build(dict(type=3))
    with pytest.raises(TypeError, match="must be a dict"):
        heads.build(["TSNHead"])


def test_all_unknown_and_missing_arguments_reported_at_once(heads):
    cfg = located(dict(type="TSNHead", in_channel=512, dropout=0.5), {"model": "configs/tsn.py:3"})
    with pytest.raises(ConfigError) as info:
        heads.build(cfg)
    problems = info.value.problems
    assert len(problems) == 3
    assert "model.cls_head.in_channel (configs/tsn.py:3): TSNHead takes no argument 'in_channel' " \
           "(did you mean 'in_channels'?)" in problems[0]
    assert "accepts: num_classes, in_channels, dropout_ratio" in problems[0]
    assert "model.cls_head.dropout" in problems[1] and "'dropout_ratio'" in problems[1]
    assert "model.cls_head (configs/tsn.py:3): TSNHead needs the argument 'num_classes'" in problems[2]


def test_constructor_error_names_class_path_and_argument_with_cause(heads):
    cfg = located(dict(type="TSNHead", num_classes=0), {})
    with pytest.raises(ValueError) as info:
        heads.build(cfg)
    message = str(info.value)
    assert message.startswith("model.cls_head: TSNHead (argument 'num_classes') failed: ValueError:")
    assert isinstance(info.value.__cause__, ValueError)
    assert "must be positive" in str(info.value.__cause__)


def test_constructor_error_of_unusual_type_still_chains(heads):
    class Odd(Exception):
        def __init__(self, a, b):
            super().__init__(f"{a}/{b}")

    @heads.register_module()
    def explode():
        raise Odd(1, 2)

    with pytest.raises(RuntimeError, match="explode failed: Odd: 1/2") as info:
        heads.build(dict(type="explode"))
    assert isinstance(info.value.__cause__, Odd)


def test_nested_config_error_is_not_wrapped_again(heads):
    @heads.register_module()
    class Wrapper:
        def __init__(self, inner):
            self.inner = heads.build(inner)

    cfg = ConfigDict({"model": {"type": "Wrapper", "inner": {"type": "TSNHed", "num_classes": 1}}})
    with pytest.raises(ConfigError) as info:
        heads.build(cfg.model)
    assert str(info.value).startswith("model.inner.type: 'TSNHed' is not in HEADS")


def test_check_keys_reports_every_unknown_key_with_path():
    from vidrun.registry import check_keys

    cfg = ConfigDict({"optimizer_config": {"grad_clip": {"max_nrom": 35, "norm": 2, "norm_type": 2}}},
                     origins={"optimizer_config": "cfg.py:4"}).optimizer_config.grad_clip
    with pytest.raises(ConfigError) as info:
        check_keys(cfg, ["max_norm", "norm_type"], "grad_clip")
    first, second = info.value.problems
    assert first.startswith("optimizer_config.grad_clip.max_nrom (cfg.py:4): grad_clip takes no key 'max_nrom' "
                            "(did you mean 'max_norm'?)")
    assert "optimizer_config.grad_clip.norm " in second and "'norm_type'" in second
    check_keys(cfg.__class__(max_norm=1), ["max_norm"], "grad_clip")


def test_kwargs_passed_to_a_base_constructor_are_checked_against_it():
    hooks = Registry("HOOKS")

    class Base:
        def __init__(self, by_epoch=True, warmup_iters=0):
            self.by_epoch, self.warmup_iters = by_epoch, warmup_iters

    @hooks.register_module()
    class StepHook(Base):
        def __init__(self, step, **kwargs):
            super().__init__(**kwargs)
            self.step = step

    @hooks.register_module()
    class Inherits(StepHook):
        pass

    assert hooks.build(dict(type="StepHook", step=2, warmup_iters=5)).warmup_iters == 5
    with pytest.raises(ConfigError, match=r"StepHook takes no argument 'warmup_iter' \(did you mean "
                                          r"'warmup_iters'\?\); it accepts: step, by_epoch, warmup_iters"):
        hooks.build(dict(type="StepHook", step=2, warmup_iter=5))
    with pytest.raises(ConfigError, match="Inherits takes no argument 'gama'"):
        hooks.build(dict(type="Inherits", step=2, gama=5))
