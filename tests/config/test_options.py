"""`--cfg-options`: parsing values from the command line, and merging dotted paths into a config."""
import pytest

from vidrun import Config
from vidrun.config import ConfigError, parse_cfg_options


@pytest.mark.parametrize("text, value", [
    ("1", 1), ("-3", -3), ("1.5", 1.5), ("1e-3", 1e-3), ("true", True), ("False", False), ("TRUE", True),
    ("none", None), ("None", None), ("abc", "abc"), ("'1'", "1"), ('"a,b"', "a,b"), ("", ""),
    ("[1,2,(3,4)]", [1, 2, (3, 4)]), ("a,b,c", ["a", "b", "c"]), ("[a,b]", ["a", "b"]), ("(1,)", (1,)),
    ("[]", []), ("()", ()), ("[(train,1),(val,1)]", [("train", 1), ("val", 1)]), ("[1],[2]", [[1], [2]]),
    ("['x,y', \"z\"]", ["x,y", "z"]), ("[[1, 2], [3]]", [[1, 2], [3]]), ("1,", [1]), ("./work/dir", "./work/dir"),
    ("[1,2)", "[1,2)"),
])
def test_values(text, value):
    parsed = parse_cfg_options([f"k={text}"])["k"]
    assert parsed == value and type(parsed) is type(value)


def test_keys_and_malformed_items_are_all_reported():
    assert parse_cfg_options(["a.b=1", " c = x=y"]) == {"a.b": 1, "c": "x=y"}
    with pytest.raises(ConfigError) as info:
        parse_cfg_options(["no_equals", "=1", "x=[1,2", "ok=1"])
    assert len(info.value.problems) == 3
    assert "'no_equals': expected key=value" in info.value.problems[0]
    assert "'=1'" in info.value.problems[1] and "'x=[1,2'" in info.value.problems[2]


BASE = """
optimizer = dict(type='SGD', lr=0.01, momentum=0.9)
optimizer_config = dict(grad_clip=None)
data = dict(train=dict(pipeline=[dict(type='SampleFrames', clip_len=1), dict(type='Resize')]))
workflow = [('train', 1)]
"""


@pytest.fixture
def cfg(write):
    return Config.fromfile(write("c.py", BASE))


def test_dotted_paths_list_indices_and_new_keys(cfg):
    cfg.merge_from_dict({"optimizer.lr": 0.1, "data.train.pipeline.0.type": "DenseSampleFrames",
                         "data.val.ann_file": "val.txt", "optimizer_config.grad_clip.max_norm": 35,
                         "workflow": [("train", 1), ("val", 1)], "total_epochs": 3})
    assert cfg.optimizer.lr == 0.1 and cfg.optimizer.momentum == 0.9
    assert cfg.data.train.pipeline[0].to_dict() == dict(type="DenseSampleFrames", clip_len=1)
    assert cfg.data.train.pipeline[0].key_path == "data.train.pipeline.0"
    assert cfg.data.val.ann_file == "val.txt"
    assert cfg.optimizer_config.grad_clip.to_dict() == dict(max_norm=35)
    assert cfg.workflow == [("train", 1), ("val", 1)] and cfg.total_epochs == 3


def test_a_dict_value_merges_into_an_existing_dict(cfg):
    cfg.merge_from_dict({"optimizer": dict(lr=0.5, weight_decay=1e-4), "data.train.pipeline.1": dict(scale=(1, 2))})
    assert cfg.optimizer.to_dict() == dict(type="SGD", lr=0.5, momentum=0.9, weight_decay=1e-4)
    assert cfg.data.train.pipeline[1].to_dict() == dict(type="Resize", scale=(1, 2))
    cfg.merge_from_dict({"optimizer": dict(_delete_=True, type="Adam")})
    assert cfg.optimizer.to_dict() == dict(type="Adam")


def test_near_misses_are_errors_with_suggestions_all_reported_and_nothing_changes(cfg):
    with pytest.raises(ConfigError) as info:
        cfg.merge_from_dict({"optimizer.lrr": 0.1, "optimizer.lr": 0.2, "data.trian.pipeline.0.type": "X",
                             "optimizer": dict(momentun=0.8)})
    problems = info.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("optimizer.lrr: no key 'lrr' in optimizer (") and "did you mean 'lr'?" in problems[0]
    assert problems[1].startswith("data.trian.pipeline.0.type: no key 'trian' in data (")
    assert "did you mean 'train'?" in problems[1]
    assert problems[2].startswith("optimizer.momentun:") and "'momentum'" in problems[2]
    assert cfg.optimizer.lr == 0.01, "a failed merge changes nothing"


def test_top_level_near_miss(cfg):
    with pytest.raises(ConfigError, match=r"^optimzer\.lr: no key 'optimzer' in the top level; did you mean "
                                          r"'optimizer'\?"):
        cfg.merge_from_dict({"optimzer.lr": 0.1})
    with pytest.raises(ConfigError, match=r"^lr_confg \(--cfg-options\): unknown top-level key; did you mean "
                                          r"'lr_config'\?"):
        cfg.merge_from_dict({"lr_confg": dict(policy="step")})


def test_bad_list_paths(cfg):
    with pytest.raises(ConfigError) as info:
        cfg.merge_from_dict({"data.train.pipeline.5.type": "X", "data.train.pipeline.first.type": "X",
                             "optimizer.lr.value": 1})
    out_of_range, not_index, through_scalar = info.value.problems
    assert out_of_range == ("data.train.pipeline.5.type: index 5 is out of range; data.train.pipeline has 2 items")
    assert not_index.startswith("data.train.pipeline.first.type: data.train.pipeline is a list")
    assert through_scalar == "optimizer.lr.value: optimizer.lr is a float, not a dict or list"
    with pytest.raises(ConfigError, match="needs allow_list_keys=True"):
        cfg.merge_from_dict({"data.train.pipeline.0.type": "X"}, allow_list_keys=False)


def test_options_over_tuples_keep_tuples(write):
    cfg = Config.fromfile(write("c.py", "scale = (1, (2, 3))\n"))
    cfg.merge_from_dict({"scale.1.0": 5})
    assert cfg.scale == (1, (5, 3))


def test_command_line_round_trip(cfg):
    cfg.merge_from_dict(parse_cfg_options(["optimizer.lr=1e-3", "data.train.pipeline.0.clip_len=8",
                                           "workflow=[(train,1),(val,1)]", "load_from=none"]))
    assert cfg.optimizer.lr == 0.001 and cfg.data.train.pipeline[0].clip_len == 8
    assert cfg.workflow == [("train", 1), ("val", 1)] and cfg.load_from is None
