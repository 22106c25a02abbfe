"""`_base_` chains: sibling bases, the child's merge rules, `_delete_`, cycles."""
import pytest

from vidrun import Config
from vidrun.config import ConfigError


def test_bases_merge_first_then_the_child_recursively(write):
    write("a.py", "optimizer = dict(type='SGD', lr=0.01, momentum=0.9)\nsteps = [1, 2, 3]\n")
    write("b.yaml", "log_config:\n  interval: 50\n")
    child = write("child.py", """
        _base_ = ['./a.py', './b.yaml']
        optimizer = dict(lr=0.1, paramwise_cfg=dict(norm_decay_mult=0.0))
        steps = [5]
        log_config = dict(hooks=[dict(type='TextLoggerHook')])
        """)
    cfg = Config.fromfile(child)
    assert cfg.to_dict() == dict(
        optimizer=dict(type="SGD", lr=0.1, momentum=0.9, paramwise_cfg=dict(norm_decay_mult=0.0)),
        steps=[5], log_config=dict(interval=50, hooks=[dict(type="TextLoggerHook")]))
    assert list(cfg) == ["optimizer", "steps", "log_config"]


def test_base_may_be_a_single_path_and_bases_nest(write):
    write("base/grand.json", '{"a": {"x": 1, "y": 2}, "g": 0}')
    write("base/parent.py", "_base_ = './grand.json'\na = dict(y=3)\n")
    child = write("child.yaml", "_base_: base/parent.py\na:\n  z: 4\n")
    assert Config.fromfile(child).to_dict() == dict(a=dict(x=1, y=3, z=4), g=0)


def test_a_key_in_two_sibling_bases_is_an_error_naming_both_files(write):
    write("one.py", "model = dict(a=1)\nshared = 1\nother = 2\n")
    write("two.yaml", "model:\n  b: 2\nshared: 3\n")
    child = write("child.py", "_base_ = ['./one.py', './two.yaml']\n")
    with pytest.raises(ConfigError) as info:
        Config.fromfile(child)
    problems = info.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("model: defined by two bases") and "one.py:1" in problems[0]
    assert "two.yaml:1" in problems[0]
    assert problems[1].startswith("shared:") and "one.py:2" in problems[1] and "two.yaml:3" in problems[1]


def test_a_child_dict_over_a_base_non_dict_is_an_error_suggesting_delete(write):
    write("base.py", "model = dict(neck=None, head=[1, 2])\n")
    child = write("child.py", "_base_ = './base.py'\nmodel = dict(\n    neck=dict(type='N'),\n    head=dict(a=1))\n")
    with pytest.raises(ConfigError) as info:
        Config.fromfile(child)
    first, second = info.value.problems
    assert first.startswith("model.neck (") and "child.py:3" in first and "base.py:1" in first
    assert "NoneType" in first and "_delete_=True" in first
    assert second.startswith("model.head (") and "child.py:4" in second and "list" in second


def test_delete_replaces_the_base_value_and_never_appears(write, tmp_path):
    write("base.py", "optimizer = dict(type='SGD', lr=0.01, momentum=0.9)\nneck = [1, 2]\n")
    child = write("child.py", """
        _base_ = './base.py'
        optimizer = dict(_delete_=True, type='Adam', lr=0.001, betas=dict(_delete_=True, a=1))
        neck = dict(_delete_=True, type='N')
        new = dict(_delete_=True, x=[dict(_delete_=False, y=1)])
        """)
    cfg = Config.fromfile(child)
    assert cfg.to_dict() == dict(optimizer=dict(type="Adam", lr=0.001, betas=dict(a=1)), neck=dict(type="N"),
                                 new=dict(x=[dict(y=1)]))
    assert "_delete_" not in cfg.pretty_text
    cfg.dump(str(tmp_path / "out.yaml"))
    assert "_delete_" not in (tmp_path / "out.yaml").read_text()


def test_delete_false_merges_normally(write):
    write("base.py", "optimizer = dict(type='SGD', lr=0.01)\n")
    child = write("child.py", "_base_ = './base.py'\noptimizer = dict(_delete_=False, lr=0.1)\n")
    assert Config.fromfile(child).optimizer.to_dict() == dict(type="SGD", lr=0.1)


def test_lists_and_scalars_replace(write):
    write("base.py", "workflow = [('train', 1), ('val', 1)]\nx = dict(a=1)\n")
    child = write("child.py", "_base_ = './base.py'\nworkflow = [('train', 2)]\nx = 5\n")
    assert Config.fromfile(child).to_dict() == dict(workflow=[("train", 2)], x=5)


def test_a_cycle_of_bases_is_an_error(write):
    write("a.py", "_base_ = './b.py'\n")
    write("b.py", "_base_ = './a.py'\n")
    with pytest.raises(ConfigError, match=r"cycle: .*a\.py -> .*b\.py -> .*a\.py"):
        Config.fromfile(write("start.py", "_base_ = './a.py'\n"))


def test_base_must_be_paths(write):
    with pytest.raises(ConfigError, match=r"_base_ \(.*c\.py\): must be a path or a list of paths"):
        Config.fromfile(write("c.py", "_base_ = 3\n"))
    with pytest.raises(ConfigError, match=r"x\.txt: unsupported .* \(listed in _base_ of .*d\.py\)"):
        Config.fromfile(write("d.py", "_base_ = './x.txt'\n"))
