"""Building blocks from config dicts: `conv_cfg`, `norm_cfg` and `act_cfg` as MMAction2 configs write them.

`conv_cfg=dict(type='Conv3d')`, `norm_cfg=dict(type='BN3d', requires_grad=True)`, `act_cfg=dict(type='ReLU',
inplace=True)`. Only the types listed below are known; anything else is an error naming the accepted ones.
Norm layers get mmcv's defaults (eps 1e-5, momentum 0.1) unless the config says otherwise, and the attribute
name mmcv gives them (`norm_abbreviation`: 'bn' for batch norms, 'gn', 'ln', 'in').
"""
from __future__ import annotations

from torch import nn

CONVS = {"Conv": None, "Conv1d": nn.Conv1d, "Conv2d": nn.Conv2d, "Conv3d": nn.Conv3d}
NORMS = {"BN": None, "BN1d": nn.BatchNorm1d, "BN2d": nn.BatchNorm2d, "BN3d": nn.BatchNorm3d,
         "SyncBN": nn.SyncBatchNorm, "GN": nn.GroupNorm, "LN": nn.LayerNorm, "IN": None,
         "IN1d": nn.InstanceNorm1d, "IN2d": nn.InstanceNorm2d, "IN3d": nn.InstanceNorm3d}
ACTIVATIONS = {"ReLU": nn.ReLU, "LeakyReLU": nn.LeakyReLU, "GELU": nn.GELU, "Sigmoid": nn.Sigmoid,
               "Swish": nn.SiLU, "SiLU": nn.SiLU, "Tanh": nn.Tanh, "Hardswish": nn.Hardswish,
               "ReLU6": nn.ReLU6}
BY_DIMS = {1: (nn.Conv1d, nn.BatchNorm1d, nn.InstanceNorm1d), 2: (nn.Conv2d, nn.BatchNorm2d, nn.InstanceNorm2d),
           3: (nn.Conv3d, nn.BatchNorm3d, nn.InstanceNorm3d)}
# mmcv's attribute names for norm layers (its `infer_abbr`): what a ConvModule's norm is called in a state dict.
ABBREVIATIONS = {"BN": "bn", "BN1d": "bn", "BN2d": "bn", "BN3d": "bn", "SyncBN": "bn", "GN": "gn", "LN": "ln",
                 "IN": "in", "IN1d": "in", "IN2d": "in", "IN3d": "in"}


def _type(cfg: dict | None, default: str, known: dict, what: str) -> tuple[str, dict]:
    cfg = dict(cfg or {"type": default})
    name = cfg.pop("type", default)
    if name not in known:
        raise ValueError(f"{what}: unknown type {name!r}; known: {', '.join(sorted(known))}")
    return name, cfg


def build_conv_layer(cfg: dict | None, *args, dims: int = 2, **kwargs) -> nn.Module:
    """A convolution: `cfg['type']` picks the class ('Conv' follows `dims`); other keys are its arguments."""
    name, extra = _type(cfg, "Conv", CONVS, "conv_cfg")
    layer = CONVS[name] or BY_DIMS[dims][0]
    return layer(*args, **extra, **kwargs)


def norm_abbreviation(cfg: dict | None) -> str:
    """The attribute name mmcv gives the norm layer of `cfg` ('bn', 'gn', 'ln' or 'in')."""
    return ABBREVIATIONS[_type(cfg, "BN", NORMS, "norm_cfg")[0]]


def build_norm_layer(cfg: dict | None, num_features: int, dims: int = 2) -> nn.Module:
    """A normalisation layer; `requires_grad=False` freezes its affine parameters. 'BN' and 'IN' follow
    `dims`; GN needs `num_groups`."""
    name, extra = _type(cfg, "BN", NORMS, "norm_cfg")
    requires_grad = extra.pop("requires_grad", True)
    extra.setdefault("eps", 1e-5)
    if name == "GN":
        layer = nn.GroupNorm(extra.pop("num_groups"), num_features, **extra)
    elif name == "LN":
        layer = nn.LayerNorm(num_features, **extra)
    elif name == "IN":
        layer = BY_DIMS[dims][2](num_features, **extra)
    else:
        layer = (NORMS[name] or BY_DIMS[dims][1])(num_features, **extra)
    for parameter in layer.parameters():
        parameter.requires_grad = requires_grad
    return layer


def build_activation_layer(cfg: dict | None) -> nn.Module:
    """An activation, `ReLU(inplace=True)` unless `cfg` says otherwise."""
    name, extra = _type(cfg or {"type": "ReLU", "inplace": True}, "ReLU", ACTIVATIONS, "act_cfg")
    return ACTIVATIONS[name](**extra)
