"""Every key path knows the file and line that wrote it."""
from vidrun import Config

PY = """\
model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNet', depth=50),
    cls_head={'type': 'TSNHead',
              'num_classes': 400})
train_pipeline = [
    dict(type='SampleFrames', clip_len=1),
    dict(type='Resize',
         scale=(-1, 256)),
]
data = dict(train=dict(pipeline=train_pipeline))
seed: int = 0
computed = dict(zip(['a', 'b'], [1, 2]))
"""


def test_python_key_lines(write):
    path = write("c.py", PY)
    cfg = Config.fromfile(path)
    assert cfg.model.where() == f"model ({path}:1)"
    assert cfg.model.where("type") == f"model.type ({path}:2)"
    assert cfg.model.backbone.where("depth") == f"model.backbone.depth ({path}:3)"
    assert cfg.model.cls_head.where("num_classes") == f"model.cls_head.num_classes ({path}:5)"
    assert cfg.train_pipeline[1].where("scale") == f"train_pipeline.1.scale ({path}:9)"
    assert cfg.where("train_pipeline.1") == f"train_pipeline.1 ({path}:8)"
    # a name used as a value takes the lines where that name's value was written
    assert cfg.data.train.pipeline[0].where("clip_len") == f"data.train.pipeline.0.clip_len ({path}:7)"
    assert cfg.data.train.where("pipeline") == f"data.train.pipeline ({path}:11)"
    assert cfg.where("seed") == f"seed ({path}:12)"
    assert cfg.computed.where("a") == f"computed.a ({path}:13)"  # no line of its own: its enclosing key's


def test_yaml_key_lines(write):
    path = write("c.yaml", "model:\n  type: R\n  head:\n    num_classes: 4\nworkflow:\n  - [train, 1]\n  - [val, 1]\n")
    cfg = Config.fromfile(path)
    assert cfg.model.where("type") == f"model.type ({path}:2)"
    assert cfg.model.head.where("num_classes") == f"model.head.num_classes ({path}:4)"
    assert cfg.where("workflow.1") == f"workflow.1 ({path}:7)"


def test_json_keys_name_the_file(write):
    path = write("c.json", '{"model": {"type": "R"}}')
    assert Config.fromfile(path).model.where("type") == f"model.type ({path})"


def test_an_overridden_key_has_the_childs_origin(write):
    base = write("base.yaml", "optimizer:\n  type: SGD\n  lr: 0.01\nworkflow:\n  - [train, 1]\n  - [val, 1]\n")
    child = write("child.py", "_base_ = './base.yaml'\n\noptimizer = dict(\n    lr=0.1)\nworkflow = [('train', 1)]\n")
    cfg = Config.fromfile(child)
    assert cfg.optimizer.origin_of("type") == f"{base}:2"
    assert cfg.optimizer.origin_of("lr") == f"{child}:4"
    assert cfg.origin_of("workflow.0.0") == f"{child}:5"
    assert cfg.origin_of("workflow.1") == f"{child}:5"  # the base's longer list is gone


def test_delete_drops_the_base_origins(write):
    write("base.py", "optimizer = dict(type='SGD', momentum=0.9)\n")
    child = write("child.py", "_base_ = './base.py'\noptimizer = dict(_delete_=True, type='Adam')\n")
    cfg = Config.fromfile(child)
    assert cfg.optimizer.origin_of("momentum") == f"{child}:2"


def test_cfg_options_origin(write):
    cfg = Config.fromfile(write("c.py", "optimizer = dict(type='SGD', lr=0.01)\nsteps = [dict(a=1)]\n"))
    cfg.merge_from_dict({"optimizer.lr": 0.1, "steps.0.a": 2, "new.key": 1})
    assert cfg.optimizer.where("lr") == "optimizer.lr (--cfg-options)"
    assert cfg.steps[0].where("a") == "steps.0.a (--cfg-options)"
    assert cfg.new.where("key") == "new.key (--cfg-options)"
    assert cfg.optimizer.where("type").endswith("c.py:1)")
