"""`pretty_text` and `dump`: text that loads back to an equal dict."""
import json

import pytest
import yaml

from vidrun import Config
from vidrun.config import ConfigError

TRICKY = dict(
    model=dict(type="Recognizer3D", backbone=dict(type="ResNet3d", depth=50, inflate=((1, 1, 1), (1, 0, 1, 0)),
                                                  conv1_kernel=(5, 7, 7), pretrained=None, norm_eval=False)),
    img_norm_cfg=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_bgr=False),
    single=(1,), empty=dict(), empty_list=[], empty_tuple=(),
    text="it's \"quoted\"\nand multi-line\twith tabs and unicode: é",
    floats=[1e-05, 0.1, 1 / 3, 2.5e-10, 1e300, float("inf"), -float("inf"), -0.0],
    keys={"with-dash": 1, "class": 2, 3: "int key", "ok": {"lambda": None}},
    nested=[[dict(a=[(1, 2)])]],
    long_list=list(range(60)),
    bools=(True, False, None),
)


def reload(tmp_path, text, name="dumped.py"):
    path = tmp_path / name
    path.write_text(text)
    return Config.fromfile(str(path))


def test_round_trip_of_tricky_values(tmp_path):
    text = Config(TRICKY).pretty_text
    assert reload(tmp_path, text).to_dict() == TRICKY
    assert "'class': 2" in text and "'with-dash': 1" in text and "1e-05" in text
    assert "img_norm_cfg = dict(mean=[123.675, 116.28, 103.53]," in text and "single = (1,)" in text


def test_long_values_wrap_with_indentation(tmp_path):
    text = Config(TRICKY).pretty_text
    assert all(len(line) <= 100 for line in text.splitlines())
    assert "model = dict(\n    type='Recognizer3D',\n    backbone=dict(\n        type='ResNet3d'," in text
    assert "long_list = [\n    0, 1, 2, 3," in text and "\n    26, 27," in text


def test_nan_is_written(tmp_path):
    value = reload(tmp_path, Config(dict(x=float("nan"))).pretty_text).x
    assert value != value


def test_a_top_level_dict_key_does_not_shadow_the_builtin(tmp_path):
    data = {"dict": 1, "model": dict(a=1)}
    text = Config(data).pretty_text
    assert "{'a': 1}" in text and reload(tmp_path, text).to_dict() == data


def test_values_without_literal_form_are_errors_naming_the_path():
    with pytest.raises(ConfigError) as info:
        Config({"model": dict(act=object, n=[1, {2}]), "bad-key": 1}).pretty_text
    problems = info.value.problems
    assert problems[0].startswith("model.act: type <class 'object'> has no literal form")
    assert problems[1].startswith("model.n.1: set")
    assert problems[2].startswith("'bad-key': a top-level key must be a Python identifier")


def test_dump_of_a_python_config_reloads_equal(tmp_path, write):
    path = write("c.py", "a = dict(b=(1, [2, dict(c=None)]), d=1e-4)\nimport os\ne = os.sep\n")
    cfg = Config.fromfile(path)
    assert cfg.dump() == cfg.pretty_text
    cfg.dump(str(tmp_path / "out.py"))
    assert Config.fromfile(str(tmp_path / "out.py")).to_dict() == cfg.to_dict()


def test_dump_to_json_and_yaml_turns_tuples_into_lists(tmp_path, write):
    cfg = Config.fromfile(write("c.py", "a = dict(b=(1, 2), c='x')\nworkflow = [('train', 1)]\n"))
    expected = dict(a=dict(b=[1, 2], c="x"), workflow=[["train", 1]])
    cfg.dump(tmp_path / "out.json")
    cfg.dump(str(tmp_path / "out.yml"))
    assert json.loads((tmp_path / "out.json").read_text()) == expected
    assert yaml.safe_load((tmp_path / "out.yml").read_text()) == expected
    assert Config.fromfile(str(tmp_path / "out.yml")).to_dict() == expected
    with pytest.raises(ConfigError, match=r"out\.txt: unsupported config format"):
        cfg.dump(str(tmp_path / "out.txt"))


def test_dump_without_a_file_uses_the_source_format(write):
    assert json.loads(Config.fromfile(write("c.json", '{"a": [1]}')).dump()) == {"a": [1]}
    assert yaml.safe_load(Config.fromfile(write("c.yaml", "a: [1]\n")).dump()) == {"a": [1]}
    assert Config(dict(a=1)).dump() == "a = 1\n"


def test_json_dump_of_an_object_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot be written as json"):
        Config(dict(a=object())).dump(str(tmp_path / "x.json"))
