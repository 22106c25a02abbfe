"""`build_model`: the `model` section of a config to a recognizer; `check_backbone_library` refuses, by
config line, the backbones MMAction2 takes from other libraries."""
from __future__ import annotations

from torch import nn

from vidrun.config import ConfigDict, ConfigError
from vidrun.models.registries import BACKBONES, RECOGNIZERS
from vidrun.registry import build_from_cfg

# MMAction2 builds `backbone.type='<prefix>.<name>'` with another library's model builder.
OTHER_LIBRARIES = {"torchvision.": "torchvision", "timm.": "timm", "mmcls.": "mmcls (MMClassification)"}
# The vidrun backbone closest to a foreign model, by a word in its name (first match wins).
_CLOSEST = (("mobilenet", "MobileNetV2"), ("vit", "TimeSformer"), ("swin", "TimeSformer"),
            ("deit", "TimeSformer"), ("transformer", "TimeSformer"), ("", "ResNet"))


def closest_backbone(foreign: str) -> str:
    """The registered vidrun backbone most like the foreign model `foreign` (ResNet when nothing is nearer)."""
    name = foreign.lower()
    for word, candidate in _CLOSEST:
        if word in name and candidate in BACKBONES:
            return candidate
    return "ResNet"


def check_backbone_library(backbone: dict) -> None:
    """A ConfigError when `backbone.type` names another library's model (`torchvision.densenet161`,
    `timm.swin_base_patch4_window7_224`, `mmcls.ResNeXt`): vidrun cannot import those libraries beside its
    torch, so it says so at build time with the config line, the missing library and the nearest vidrun model.
    """
    kind = backbone.get("type") if isinstance(backbone, dict) else None
    if not isinstance(kind, str):
        return
    for prefix, library in OTHER_LIBRARIES.items():
        if kind.startswith(prefix):
            where = backbone.where("type") if isinstance(backbone, ConfigDict) else "model.backbone.type"
            closest = closest_backbone(kind[len(prefix):])
            raise ConfigError(f"{where}: {kind!r} is a backbone of {library}, which vidrun does not have (it "
                              f"does not import beside vidrun's torch); use a vidrun backbone instead, the "
                              f"closest is {closest!r} (registered in BACKBONES: "
                              f"{', '.join(sorted(BACKBONES.module_dict))})")


def build_model(cfg: dict, train_cfg: dict | None = None, test_cfg: dict | None = None) -> nn.Module:
    """A recognizer from `cfg` (`model=dict(type='Recognizer2D', backbone=..., cls_head=...)`).

    `train_cfg`/`test_cfg` are the legacy top-level keys of older configs; inside `model` is the place for them
    now, and giving both is an error.
    """
    for name, value in (("train_cfg", train_cfg), ("test_cfg", test_cfg)):
        if value is not None:
            if cfg.get(name) is not None:
                raise ValueError(f"{name} is set both at the top level and in model.{name}; keep one")
            cfg = {**cfg, name: value}
    return build_from_cfg(cfg, RECOGNIZERS)
