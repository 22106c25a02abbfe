"""`build_model`: the `model` section of a config to a recognizer."""
from __future__ import annotations

from torch import nn

from vidrun.models.registries import RECOGNIZERS
from vidrun.registry import build_from_cfg


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
