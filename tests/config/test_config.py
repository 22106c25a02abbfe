"""The `Config` object, and a whole chain: three levels of mixed formats, references, `_delete_`, options, dump."""
import copy
import pickle

import pytest

from vidrun import Config
from vidrun.config import ConfigDict, ConfigError, parse_cfg_options


@pytest.fixture
def chain(write):
    write("configs/_base_/default_runtime.json", """
        {"log_config": {"interval": 20, "hooks": [{"type": "TextLoggerHook"}]},
         "checkpoint_config": {"interval": 5}, "workflow": [["train", 1]], "dist_params": {"backend": "nccl"}}
        """)
    write("configs/_base_/schedules/sgd_100e.yaml", """\
        _base_: ../default_runtime.json
        optimizer:
          type: SGD
          lr: 0.01
          momentum: 0.9
          weight_decay: 0.0001
        lr_config:
          policy: step
          step: [40, 80]
        total_epochs: 100
        """)
    write("configs/_base_/models/tsn_r50.py", """
        model = dict(
            type='Recognizer2D',
            backbone=dict(type='ResNet', depth=50, norm_eval=False),
            cls_head=dict(type='TSNHead', num_classes=400, dropout_ratio=0.4))
        """)
    return write("configs/tsn_ucf101.py", """
        _base_ = ['./_base_/models/tsn_r50.py', './_base_/schedules/sgd_100e.yaml']
        model = dict(cls_head=dict(num_classes=101))
        optimizer = dict(_delete_=True, type='Adam', lr=0.001, betas=(0.9, 0.999))
        epochs = {{_base_.total_epochs}}
        lr_config = dict(step=[{{_base_.lr_config.step.0}}, 60])
        img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_bgr=False)
        train_pipeline = [dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3),
                          dict(type='Normalize', **img_norm_cfg)]
        data = dict(videos_per_gpu=32, train=dict(type='VideoDataset', pipeline=train_pipeline))
        work_dir = './work_dirs/{{ fileBasenameNoExtension }}/'
        """)


def test_three_level_chain_with_options_dumped_and_reloaded(chain, tmp_path):
    cfg = Config.fromfile(chain)
    assert cfg.model.cls_head.to_dict() == dict(type="TSNHead", num_classes=101, dropout_ratio=0.4)
    assert cfg.optimizer.to_dict() == dict(type="Adam", lr=0.001, betas=(0.9, 0.999))
    assert cfg.epochs == 100 and cfg.lr_config.to_dict() == dict(policy="step", step=[40, 60])
    assert cfg.log_config.hooks[0].type == "TextLoggerHook" and cfg.work_dir == "./work_dirs/tsn_ucf101/"
    assert cfg.data.train.pipeline[1].mean == [123.675, 116.28, 103.53]
    cfg.merge_from_dict(parse_cfg_options(["optimizer.lr=0.002", "data.train.pipeline.0.clip_len=8",
                                           "workflow=[(train,1),(val,1)]", "model.cls_head.dropout_ratio=0.5"]))
    assert cfg.optimizer.where("lr") == "optimizer.lr (--cfg-options)"
    assert cfg.model.cls_head.where("num_classes").endswith("tsn_ucf101.py:3)")
    assert cfg.model.backbone.where("depth").endswith("tsn_r50.py:4)")
    assert cfg.lr_config.where("policy").endswith("sgd_100e.yaml:8)")
    assert cfg.where("checkpoint_config").endswith("default_runtime.json)")
    for name in ("dumped.py", "dumped.json", "dumped.yaml"):
        cfg.dump(str(tmp_path / name))
    assert Config.fromfile(str(tmp_path / "dumped.py")).to_dict() == cfg.to_dict()
    as_yaml = Config.fromfile(str(tmp_path / "dumped.yaml")).to_dict()
    assert as_yaml == Config.fromfile(str(tmp_path / "dumped.json")).to_dict()
    assert as_yaml["workflow"] == [["train", 1], ["val", 1]] and as_yaml["optimizer"]["betas"] == [0.9, 0.999]


def test_access_and_mutation():
    cfg = Config(dict(model=dict(backbone=dict(depth=50)), seed=0))
    assert cfg.model.backbone.depth == 50 and cfg["model"]["backbone"]["depth"] == 50
    assert cfg.get("seed") == 0 and cfg.get("missing", 3) == 3 and "seed" in cfg and "x" not in cfg
    assert len(cfg) == 2 and list(cfg) == ["model", "seed"] and list(cfg.keys()) == ["model", "seed"]
    assert dict(cfg.items())["seed"] == 0 and 0 in list(cfg.values())
    cfg.x = dict(a=1)
    cfg["y"] = 2
    assert isinstance(cfg.x, ConfigDict) and cfg.x.key_path == "x" and cfg.y == 2
    del cfg.x
    del cfg["y"]
    assert list(cfg) == ["model", "seed"]
    with pytest.raises(AttributeError, match="the config has no key 'sed' \\(did you mean 'seed'\\?\\)"):
        cfg.sed
    with pytest.raises(KeyError):
        cfg["nope"]
    assert cfg.filename is None and cfg.text == "" and repr(cfg).startswith("Config (path: None): {'model'")
    with pytest.raises(TypeError):
        Config([1, 2])


def test_copies_and_pickle_keep_data_paths_and_origins(chain):
    cfg = Config.fromfile(chain)
    deep, copied = copy.deepcopy(cfg), cfg.copy()
    deep.model.cls_head.num_classes = 7
    copied.optimizer.lr = 9
    assert cfg.model.cls_head.num_classes == 101 and cfg.optimizer.lr == 0.001
    restored = pickle.loads(pickle.dumps(cfg))
    assert restored.to_dict() == cfg.to_dict() and restored.filename == cfg.filename and restored.text == cfg.text
    assert restored.model.cls_head.where("num_classes") == cfg.model.cls_head.where("num_classes")
    assert copied.model.cls_head.where("num_classes") == cfg.model.cls_head.where("num_classes")
    shallow = copy.copy(cfg)
    assert shallow.to_dict() == cfg.to_dict()


def test_config_from_a_root_config_dict_keeps_origins(write):
    path = write("c.py", "model = dict(type='R')\n")
    root = ConfigDict(dict(model=dict(type="R")), origins={"model": f"{path}:1"})
    cfg = Config(root, filename=path)
    assert cfg.model.where("type") == f"model.type ({path}:1)" and cfg.text == "model = dict(type='R')\n"
    assert Config(dict(root)).model.where("type") == "model.type", "a plain dict starts without origins"


def test_text_of_the_chain_lists_every_file(chain):
    text = Config.fromfile(chain).text
    order = [text.index(name) for name in ("tsn_r50.py\n", "default_runtime.json\n", "sgd_100e.yaml\n",
                                           "tsn_ucf101.py\n")]
    assert order == sorted(order) and "{{_base_.total_epochs}}" in text


def test_errors_from_every_stage_are_config_errors(write):
    with pytest.raises(ConfigError):
        Config.fromfile(write("a.py", "lr_confg = dict()\n"))
    assert issubclass(ConfigError, ValueError)
