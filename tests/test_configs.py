"""Every shipped config loads and builds, without its data: the model (and every `_base_/models` model), the
train/val/test data sets over a one-line fake annotation file, their loaders, the optimizer, a runner with the
config's hooks and the evaluation hook. Also `TSMOptimizerConstructor`'s groups, and docs/configs.md's snippets.
"""
import logging
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from vidrun import Config
from vidrun.config import ConfigError
from vidrun.datasets import build_dataloader, build_dataset, dataloader_settings
from vidrun.models import build_model
from vidrun.models.optimizer_constructors import TSMOptimizerConstructor  # importing it registers it
from vidrun.runner import OPTIMIZER_BUILDERS, EvalHook, build_optimizer, build_runner
from vidrun.runner.builder import runner_config
from vidrun.runner.default_hooks import with_fp16

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "configs"
CONFIGS = sorted(p.relative_to(ROOT).as_posix() for p in CONFIG_DIR.rglob("*.py")
                 if "_base_" not in p.relative_to(CONFIG_DIR).parts)
BASE_MODELS = sorted(p.relative_to(ROOT).as_posix() for p in (CONFIG_DIR / "_base_" / "models").glob("*.py"))
DOC = ROOT / "docs" / "configs.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
# One annotation line per data set type: the constructor reads it, nothing opens the (missing) video.
FAKE_LINES = {"VideoDataset": "fake.mp4 0\n", "RawframeDataset": "fake 64 0\n"}
LOGGER = logging.getLogger("vidrun.test_configs")


def fake_dataset(split_cfg, tmp_path):
    ann_file = tmp_path / f"fake_{split_cfg['type']}.txt"
    ann_file.write_text(FAKE_LINES[split_cfg["type"]])
    return build_dataset({**split_cfg, "ann_file": str(ann_file)})


def pipeline_step(pipeline, kind):
    return next(step for step in pipeline if step["type"] == kind)


def check_shapes(cfg, model):
    """What a forward pass would find out, without one: the head takes what the backbone gives, the input
    layout fits the recognizer, and TSM shifts over as many frames as the pipeline samples."""
    backbone, head = model.backbone, model.cls_head
    if hasattr(backbone, "feat_dim"):
        assert head.in_channels == backbone.feat_dim
    layout = {"Recognizer2D": "NCHW", "Recognizer3D": "NCTHW"}[cfg.model.type]
    for split in ("train", "val", "test"):
        pipeline = cfg.data[split].pipeline
        assert pipeline_step(pipeline, "FormatShape")["input_format"] == layout
        if getattr(backbone, "is_shift", False):
            sampler = next(s for s in pipeline if s["type"] in ("SampleFrames", "DenseSampleFrames"))
            num_segments = getattr(head, "num_segments", backbone.num_segments)  # TPNHead has none
            assert sampler["num_clips"] == backbone.num_segments == num_segments


def build_everything(cfg, tmp_path):
    model = build_model(cfg.model).train()
    check_shapes(cfg, model)
    loaders = {}
    for split in ("train", "val", "test"):
        dataset = fake_dataset(cfg.data[split], tmp_path)
        loaders[split] = build_dataloader(dataset, **dataloader_settings(cfg.data, split, dist=False, seed=0))
    optimizer = build_optimizer(model, cfg.optimizer)
    runner = build_runner(runner_config(cfg), dict(model=model, optimizer=optimizer, work_dir=str(tmp_path),
                                                   logger=LOGGER))
    runner.register_training_hooks(cfg.lr_config, with_fp16(cfg.get("optimizer_config"), cfg.get("fp16")),
                                   cfg.checkpoint_config, cfg.log_config, cfg.get("momentum_config"),
                                   custom_hooks_config=cfg.get("custom_hooks"))
    eval_hook = EvalHook(loaders["val"], **cfg.evaluation)
    runner.register_hook(eval_hook, priority="LOW")
    # EvalHook passes its other arguments to `evaluate` only after the first `interval` epochs: check them now.
    scores = np.full(model.cls_head.num_classes, 1.0 / model.cls_head.num_classes)
    assert "top1_acc" in eval_hook.dataloader.dataset.evaluate([scores], **eval_hook.eval_kwargs)
    return model, optimizer, runner


@pytest.mark.parametrize("path", CONFIGS)
def test_config_builds(path, tmp_path):
    cfg = Config.fromfile(str(ROOT / path))
    _, optimizer, runner = build_everything(cfg, tmp_path)
    assert runner.max_epochs == runner_config(cfg)["max_epochs"]
    assert optimizer.defaults["lr"] == cfg.optimizer.lr
    hooks = [type(h).__name__ for h in runner.hooks]
    assert hooks[0].endswith("LrUpdaterHook") and "EvalHook" in hooks
    assert "OptimizerHook" in hooks or "Fp16OptimizerHook" in hooks  # tsn_fp16_*: fp16 = dict(...)


@pytest.mark.parametrize("path", BASE_MODELS)
def test_base_model_builds(path):
    cfg = Config.fromfile(str(ROOT / path))
    model = build_model(cfg.model).train()
    # MMAction2's tpn_tsm_r50 base is for Something-Something V1 (174 classes); its config relies on that.
    assert model.cls_head.num_classes == (174 if path.endswith("tpn_tsm_r50.py") else 400)
    assert cfg.model.backbone.pretrained is None
    if hasattr(model.backbone, "feat_dim"):
        assert model.cls_head.in_channels == model.backbone.feat_dim


def test_the_zoo_is_what_the_docs_list():
    text = DOC.read_text()
    for path in CONFIGS + BASE_MODELS + sorted(p.relative_to(ROOT).as_posix()
                                               for p in (CONFIG_DIR / "_base_" / "schedules").glob("*.py")):
        if not path.startswith("configs/demo/"):
            assert Path(path).name in text, f"docs/configs.md does not mention {path}"


# -- TSMOptimizerConstructor ------------------------------------------------------------------------------------

class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3)                      # first conv, with a bias
        self.bn = nn.BatchNorm2d(4)
        self.conv = nn.Conv2d(4, 4, 1, bias=False)
        self.gn = nn.GroupNorm(2, 4)
        self.hidden = nn.Linear(4, 4)
        self.fc = nn.Linear(4, 2)                           # the last fc layer


TSM_OPTIMIZER = dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=1e-4, constructor="TSMOptimizerConstructor")


def groups_of(optimizer, model):
    names = {id(p): n for n, p in model.named_parameters()}
    return [(sorted(names[id(p)] for p in g["params"]), g["lr"], g["weight_decay"]) for g in optimizer.param_groups]


@pytest.mark.parametrize("fc_lr5", [True, False])
def test_tsm_constructor_groups(fc_lr5):
    model = Tiny()
    optimizer = build_optimizer(model, dict(TSM_OPTIMIZER, paramwise_cfg=dict(fc_lr5=fc_lr5)))
    normal_w, normal_b = ["conv.weight", "hidden.weight"], ["hidden.bias"]
    fc_w, fc_b = (["fc.weight"], ["fc.bias"]) if fc_lr5 else ([], [])
    if not fc_lr5:
        normal_w, normal_b = normal_w + ["fc.weight"], normal_b + ["fc.bias"]
    expected = [
        (["stem.weight"], 0.01, 1e-4),
        (["stem.bias"], 0.02, 0),
        (sorted(normal_w), 0.01, 1e-4),
        (sorted(normal_b), 0.02, 0),
        (["bn.bias", "bn.weight", "gn.bias", "gn.weight"], 0.01, 0),
        (fc_w, 0.05, 1e-4),
        (fc_b, 0.1, 0),
    ]
    assert groups_of(optimizer, model) == [(n, pytest.approx(lr), wd) for n, lr, wd in expected]


def test_tsm_constructor_is_registered():
    assert OPTIMIZER_BUILDERS.get("TSMOptimizerConstructor") is TSMOptimizerConstructor


def test_tsm_constructor_without_paramwise_cfg_still_groups():
    model = Tiny()
    optimizer = build_optimizer(model, TSM_OPTIMIZER)
    assert [len(g["params"]) for g in optimizer.param_groups] == [1, 1, 3, 2, 4, 0, 0]


def test_tsm_constructor_leaves_out_frozen_norms_and_rejects_ungrouped_parameters():
    model = Tiny()
    model.bn.requires_grad_(False)
    optimizer = build_optimizer(model, dict(TSM_OPTIMIZER, paramwise_cfg=dict(fc_lr5=True)))
    assert groups_of(optimizer, model)[4][0] == ["gn.bias", "gn.weight"]
    model.scale = nn.Parameter(torch.ones(1))
    with pytest.raises(ValueError, match=r"\['scale'\]"):
        build_optimizer(model, dict(TSM_OPTIMIZER, paramwise_cfg=dict(fc_lr5=True)))


@pytest.mark.parametrize("paramwise_cfg,message", [
    (dict(fc_lr_5=True), "fc_lr5"),                         # a typo, with the suggestion
    (dict(fc_lr5="yes"), "True or False"),
])
def test_tsm_constructor_rejects_bad_paramwise_cfg(paramwise_cfg, message):
    with pytest.raises(ConfigError, match=message):
        build_optimizer(Tiny(), dict(TSM_OPTIMIZER, paramwise_cfg=paramwise_cfg))


def test_tsm_r50_classifier_gets_5x_and_10x_lr():
    cfg = Config.fromfile(str(CONFIG_DIR / "recognition/tsm/tsm_r50_1x1x8_50e_kinetics400_rgb.py"))
    model = build_model(cfg.model)
    optimizer = build_optimizer(model, cfg.optimizer)
    lr, wd = cfg.optimizer.lr, cfg.optimizer.weight_decay
    groups = optimizer.param_groups
    assert groups[5]["params"] == [model.cls_head.fc_cls.weight] and groups[5]["lr"] == pytest.approx(5 * lr)
    assert groups[6]["params"] == [model.cls_head.fc_cls.bias] and groups[6]["lr"] == pytest.approx(10 * lr)
    assert (groups[5]["weight_decay"], groups[6]["weight_decay"]) == (wd, 0)
    assert groups[0]["params"] == [model.backbone.conv1.conv.weight]
    grouped = [p for g in groups for p in g["params"]]
    assert len(grouped) == len({id(p) for p in grouped}) == len(list(model.parameters()))


# -- docs/configs.md --------------------------------------------------------------------------------------------

def doc_config_blocks():
    return [b for b in BLOCKS if b.startswith("# configs/")]


def test_the_doc_has_its_snippets():
    assert len(doc_config_blocks()) == 1 and len(BLOCKS) == 2


def test_doc_own_data_set_config_builds(tmp_path):
    """The doc's config lives in a folder of its own under configs/: rebuilt so in a temporary tree."""
    block = doc_config_blocks()[0]
    relative = block.splitlines()[0][2:].strip()
    (tmp_path / "configs").mkdir()
    for name in ("_base_", "recognition"):
        (tmp_path / "configs" / name).symlink_to(CONFIG_DIR / name)
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text(block)
    cfg = Config.fromfile(str(path))
    model, optimizer, _ = build_everything(cfg, tmp_path)
    assert model.cls_head.num_classes == 10
    assert optimizer.defaults["lr"] == pytest.approx(0.01 * 16 / 256)
    assert cfg.data.train.data_prefix == cfg.data.val.data_prefix == "data/my_videos/videos"


def test_doc_optimizer_snippet_prints_the_documented_groups(monkeypatch, capsys):
    block = next(b for b in BLOCKS if "build_optimizer" in b)
    monkeypatch.chdir(ROOT)
    exec(compile(block, str(DOC), "exec"), {})
    printed = capsys.readouterr().out.strip()
    assert printed in DOC.read_text()
