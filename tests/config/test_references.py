"""`{{_base_.x}}` references, in .py (unquoted or quoted), JSON and YAML."""
import pytest

from vidrun import Config
from vidrun.config import ConfigError

BASE = """
total_epochs = 100
img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
pipeline = [dict(type='SampleFrames', clip_len=1), dict(type='Resize', scale=(-1, 256))]
"""


def test_unquoted_references_in_python_anywhere(write):
    write("base.py", BASE)
    child = write("child.py", """
        _base_ = './base.py'
        epochs = {{_base_.total_epochs}}
        norm = dict(cfg={{ _base_.img_norm_cfg }}, mean0={{_base_.img_norm_cfg.mean.0}})
        steps = [{{_base_.total_epochs}}, ({{_base_.pipeline.1.scale}}, 2)]
        clip = {{ _base_.pipeline.0.clip_len }}
        """)
    cfg = Config.fromfile(child)
    assert cfg.epochs == 100
    assert cfg.norm.to_dict() == dict(cfg=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
                                      mean0=123.675)
    assert cfg.steps == [100, ((-1, 256), 2)] and cfg.clip == 1
    assert cfg.total_epochs == 100


def test_referenced_values_are_copies(write):
    write("base.py", BASE)
    cfg = Config.fromfile(write("child.py", "_base_ = './base.py'\nnorm = {{_base_.img_norm_cfg}}\n"))
    cfg.norm.mean.append(0)
    assert len(cfg.img_norm_cfg.mean) == 3


def test_quoted_reference_in_python_is_the_whole_value(write):
    write("base.py", BASE)
    cfg = Config.fromfile(write("child.py", "_base_ = './base.py'\nepochs = '{{_base_.total_epochs}}'\n"
                                            "norm = \"{{_base_.img_norm_cfg.std}}\"\n"))
    assert cfg.epochs == 100 and cfg.norm == [58.395, 57.12, 57.375]


def test_json_and_yaml_references(write):
    write("base.py", BASE)
    yaml_cfg = Config.fromfile(write("c.yaml", "_base_: base.py\nepochs: '{{ _base_.total_epochs }}'\n"
                                               "nested:\n  - {std: '{{_base_.img_norm_cfg.std}}'}\n"))
    assert yaml_cfg.epochs == 100 and yaml_cfg.nested == [dict(std=[58.395, 57.12, 57.375])]
    json_cfg = Config.fromfile(write("c.json", '{"_base_": "base.py", "clip": "{{_base_.pipeline.0.clip_len}}"}'))
    assert json_cfg.clip == 1


def test_reference_to_a_missing_path_names_path_file_line_and_suggests(write):
    write("base.py", BASE)
    child = write("child.py", """
        _base_ = './base.py'
        a = 1
        epochs = {{_base_.total_epoch}}
        mean = {{_base_.img_norm_cfg.mena}}
        idx = {{_base_.pipeline.5}}
        """)
    with pytest.raises(ConfigError) as info:
        Config.fromfile(child)
    first, second, third = info.value.problems
    assert first.startswith("epochs (") and "child.py:4)" in first
    assert "{{_base_.total_epoch}}" in first and "(did you mean 'total_epochs'?)" in first
    assert second.startswith("mean (") and "child.py:5)" in second and "'img_norm_cfg.mena'" in second
    assert "did you mean 'mean'" in second
    assert third.startswith("idx (") and "index 5 is out of range: pipeline has 2 items" in third


def test_reference_errors_in_yaml_name_the_line(write):
    write("base.py", BASE)
    with pytest.raises(ConfigError, match=r"^x \(.*c\.yaml:2\): \{\{_base_\.total_epoch\}\} cannot be resolved.*"
                                          r"did you mean 'total_epochs'"):
        Config.fromfile(write("c.yaml", "_base_: base.py\nx: '{{_base_.total_epoch}}'\n"))


def test_reference_must_be_a_whole_value(write):
    write("base.py", BASE)
    with pytest.raises(ConfigError, match=r"name \(.*c\.py:2\): \{\{_base_\.total_epochs\}\} must be a whole value"):
        Config.fromfile(write("c.py", "_base_ = './base.py'\nname = 'run_{{_base_.total_epochs}}'\n"))
    with pytest.raises(ConfigError, match=r"name \(.*c\.yaml:2\): .* must be a whole value"):
        Config.fromfile(write("c.yaml", "_base_: base.py\nname: 'run_{{_base_.total_epochs}}'\n"))


def test_reference_without_bases_is_an_error(write):
    with pytest.raises(ConfigError, match=r"x \(.*c\.py:1\): \{\{_base_\.a\}\} refers to the bases, but .*c\.py "
                                          r"has no _base_"):
        Config.fromfile(write("c.py", "x = {{_base_.a}}\n"))


def test_references_see_the_bases_of_their_own_file(write):
    write("grand.py", "n = 1\n")
    write("parent.py", "_base_ = './grand.py'\nm = {{_base_.n}}\nn = 2\n")
    cfg = Config.fromfile(write("child.py", "_base_ = './parent.py'\nk = {{_base_.n}}\nj = {{_base_.m}}\n"))
    assert (cfg.m, cfg.n, cfg.k, cfg.j) == (1, 2, 2, 1)
