"""The opt-in speed settings `channels_last` and `compile`: the same losses as the default run (within the
tolerance stated in docs/extra-settings.md), exact resume with them, checkpoints without `_orig_mod.` keys,
and their config checks."""
import logging

import pytest
import torch
from torch.utils.data import Dataset

from vidrun.apis import train_model
from vidrun.apis.speed_settings import apply_channels_last, apply_compile, compile_options
from vidrun.config import Config, ConfigError
from vidrun.models import build_model
from vidrun.runner import Hook
from vidrun.runner.checkpoint import read_checkpoint

MODELS = {  # ResNet-18's stem and first stage: small weights, so that checkpoints cost little
    "2d": (dict(type="Recognizer2D",
                backbone=dict(type="ResNetTSM", depth=18, num_segments=2, pretrained=None, num_stages=1,
                              out_indices=(0,)),
                cls_head=dict(type="TSMHead", num_classes=3, in_channels=64, num_segments=2, dropout_ratio=0.5)),
           (2, 3, 16, 16)),
    "3d": (dict(type="Recognizer3D",
                backbone=dict(type="ResNet3d", depth=18, pretrained=None, pretrained2d=False, with_pool2=False,
                              num_stages=1, out_indices=(0,), spatial_strides=(1,), temporal_strides=(1,),
                              dilations=(1,), inflate=(1,)),
                cls_head=dict(type="I3DHead", num_classes=3, in_channels=64, dropout_ratio=0.5)),
           (1, 3, 4, 16, 16)),
}
LOSS_TOLERANCE = dict(rtol=1e-4, atol=1e-5)  # float32 rounding of other convolution kernels; see the docs


class Clips(Dataset):
    """Fixed random clips of `shape` with labels 0..2 (no augmentation: the runs differ only in the settings)."""

    def __init__(self, shape, size=8):
        generator = torch.Generator().manual_seed(0)
        self.imgs = torch.randn(size, *shape, generator=generator)
        self.labels = torch.arange(size) % 3

    def __len__(self):
        return len(self.imgs)

    def __getitem__(self, index):
        return {"imgs": self.imgs[index], "label": self.labels[index:index + 1]}


class Losses(Hook):
    def __init__(self):
        self.values = []

    def after_train_iter(self, runner):
        self.values.append(runner.outputs["log_vars"]["loss"])


def train(work_dir, kind, epochs=1, resume_from=None, dropout=0.5, **options):
    """Train the tiny `kind` model for `epochs` epochs of 4 iterations, checkpointing every iteration; return
    (the model, the losses of every iteration run). A small lr keeps the runs from amplifying rounding."""
    model_cfg, shape = MODELS[kind]
    model_cfg = dict(model_cfg, cls_head=dict(model_cfg["cls_head"], dropout_ratio=dropout))
    losses = Losses()
    cfg = Config(dict(
        model=model_cfg, data=dict(videos_per_gpu=2, workers_per_gpu=0),
        optimizer=dict(type="SGD", lr=0.002, momentum=0.9, weight_decay=1e-4),
        optimizer_config=dict(grad_clip=dict(max_norm=10)), lr_config=dict(policy="step", step=[1]),
        checkpoint_config=dict(interval=1, by_epoch=False), log_config=dict(interval=1, hooks=[]),
        runner=dict(type="EpochBasedRunner", max_epochs=epochs), workflow=[("train", 1)], seed=0,
        work_dir=str(work_dir), resume_from=resume_from, custom_hooks=[losses], **options))
    torch.manual_seed(0)
    model = build_model(cfg.model)
    train_model(model, Clips(shape), cfg, logger=logging.getLogger("test_speed_settings"))
    return model, losses.values


def assert_same_weights(a, b):
    a, b = a.state_dict(), b.state_dict()
    assert a.keys() == b.keys()
    assert not [k for k in a if not torch.equal(a[k], b[k])], "weights differ"


@pytest.mark.parametrize("kind", ["2d", "3d"])
def test_channels_last_same_losses_and_exact_resume(kind, tmp_path):
    _, default = train(tmp_path / "default", kind)
    model, fast = train(tmp_path / "straight", kind, channels_last=True)
    conv = model.backbone.conv1.conv  # the stem ConvModule's convolution
    fmt = torch.channels_last if kind == "2d" else torch.channels_last_3d
    assert conv.weight.is_contiguous(memory_format=fmt) and not conv.weight.is_contiguous()
    print("channels_last", kind, [abs(a - b) for a, b in zip(fast, default)])
    assert fast == pytest.approx(default, rel=LOSS_TOLERANCE["rtol"], abs=LOSS_TOLERANCE["atol"])
    resumed, rest = train(tmp_path / "resumed", kind, resume_from=str(tmp_path / "straight/iter_2.pth"),
                          channels_last=True)
    assert rest == fast[2:]  # bit for bit: the same kernels run in the same order
    assert_same_weights(resumed, model)


@pytest.mark.slow  # compiling takes 1-5 minutes on 2 CPU cores
def test_compile_same_losses_exact_resume_and_plain_keys(tmp_path, caplog):
    """Without dropout: compiled dropout draws its masks from Inductor's own generator, so with dropout the
    losses differ from the eager run's by more than rounding (documented)."""
    caplog.set_level(logging.INFO, logger="test_speed_settings")
    _, default = train(tmp_path / "default", "2d", dropout=0)
    model, compiled = train(tmp_path / "straight", "2d", dropout=0, compile=True)
    print("compile", [abs(a - b) for a, b in zip(compiled, default)])
    assert compiled == pytest.approx(default, rel=LOSS_TOLERANCE["rtol"], abs=LOSS_TOLERANCE["atol"])
    assert [r for r in caplog.messages if r.startswith("compile: the first iteration took")]
    keys = read_checkpoint(str(tmp_path / "straight/iter_2.pth"))["state_dict"].keys()
    assert list(keys) == list(build_model(MODELS["2d"][0]).state_dict())  # no `_orig_mod.` prefix
    resumed, rest = train(tmp_path / "resumed", "2d", resume_from=str(tmp_path / "straight/iter_2.pth"),
                          dropout=0, compile=True)
    assert rest == compiled[2:]
    assert_same_weights(resumed, model)


def test_channels_last_keeps_values_and_converts_backbone_inputs():
    model = build_model(MODELS["2d"][0]).eval()
    imgs = torch.randn(1, 2, 3, 24, 24)
    before = model(imgs, return_loss=False)
    seen = []
    model.backbone.register_forward_hook(lambda module, args, out: seen.append(args[0]))
    apply_channels_last(model)
    assert torch.allclose(torch.as_tensor(model(imgs, return_loss=False)), torch.as_tensor(before), atol=1e-6)
    assert seen[0].is_contiguous(memory_format=torch.channels_last)


def test_config_checks():
    assert compile_options(True) == {} and compile_options(None) is None and compile_options(False) is None
    assert compile_options(dict(mode="reduce-overhead")) == {"mode": "reduce-overhead"}
    with pytest.raises(ConfigError, match="compile"):
        compile_options("yes")
    with pytest.raises(ConfigError, match="channels_last.*must be True or False"):
        Config().merge_from_dict({"channels_last": "yes"})
    with pytest.raises(ConfigError, match="compile.*must be True, False, None or a dict"):
        Config().merge_from_dict({"compile": "max-autotune"})
    with pytest.raises(ConfigError, match="did you mean 'channels_last'"):
        Config().merge_from_dict({"channel_last": True})


def test_unknown_compile_argument_is_a_config_error():
    with pytest.raises(ConfigError, match="compile: .*torch.compile's arguments"):
        apply_compile(build_model(MODELS["2d"][0]), {"modes": "max-autotune"})
