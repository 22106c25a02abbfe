"""`paramwise_cfg`: the keys it takes, how they are checked, and the lr / weight decay each parameter gets.

The rules, applied to one trainable parameter (its full dotted name, its name inside its module, and the module),
first match wins:

1. `custom_keys`: keys sorted alphabetically, then by length, longest first; the first key that is a substring of
   the full name as MMAction2's constructor sees it (`wrapped_name`: `module.` first, since MMAction2 builds the
   optimizer over the model wrapped in (MM)DataParallel) sets `lr = base_lr * lr_mult` and, when the optimizer has a `weight_decay`,
   `weight_decay = base_wd * decay_mult` (both multipliers default to 1). No other rule then applies.
2. `bias_lr_mult` scales the lr of a `bias` that is not in a norm layer nor in a direct child of a deformable
   convolution.
3. Deformable convolutions (modules whose class, or a base class, is named `DeformConv2d` or
   `ModulatedDeformConv2d`, as mmcv.ops names them): a `Conv2d` direct child whose full name contains
   `conv_offset` (the offset predictor) gets `lr = base_lr * dcn_offset_lr_mult` (default 1) on weight and bias.
4. Weight decay (only when the optimizer has a `weight_decay`): a norm layer's parameters (weight and bias) take
   `norm_decay_mult`; else a depthwise conv's (`Conv1d/2d/3d` with `in_channels == groups`) `dwconv_decay_mult`;
   else a `bias` (but not in a direct child of a deformable convolution) takes `bias_decay_mult`.

Frozen parameters and shared ones (`bypass_duplicate`) are handled by the constructor, before these rules.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Real
from typing import Any

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from vidrun.config import ConfigDict, ConfigError
from vidrun.registry import check_keys

PARAMWISE_KEYS = frozenset({"bias_lr_mult", "bias_decay_mult", "norm_decay_mult", "dwconv_decay_mult",
                            "custom_keys", "bypass_duplicate", "dcn_offset_lr_mult"})
DCN_CLASS_NAMES = ("DeformConv2d", "ModulatedDeformConv2d")
CUSTOM_KEY_KEYS = ("lr_mult", "decay_mult")
DECAY_MULTS = ("bias_decay_mult", "norm_decay_mult", "dwconv_decay_mult")
NORM_LAYERS = (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm)
CONV_LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def where(cfg: dict, key: Any = None) -> str:
    """The key path of `key` in `cfg` (with its source file and line when `cfg` is a loaded `ConfigDict`)."""
    if isinstance(cfg, ConfigDict):
        return cfg.where(key)
    return "<config>" if key is None else str(key)


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _unknown_keys(cfg: dict, allowed: Iterable[str], owner: str) -> list[str]:
    try:
        check_keys(cfg, sorted(allowed), owner)
    except ConfigError as error:
        return error.problems
    return []


def _custom_key_problems(paramwise_cfg: dict) -> list[str]:
    custom_keys = paramwise_cfg["custom_keys"]
    if not isinstance(custom_keys, dict):
        return [f"{where(paramwise_cfg, 'custom_keys')}: must be a dict mapping a parameter-name substring to "
                f"dict(lr_mult=..., decay_mult=...), not {type(custom_keys).__name__}"]
    problems = []
    for key, entry in custom_keys.items():
        entry_path = where(custom_keys, key)
        if not isinstance(key, str):
            problems.append(f"{entry_path}: a custom key must be a str (a substring of parameter names)")
        if not isinstance(entry, dict):
            problems.append(f"{entry_path}: must be a dict like dict(lr_mult=0.1, decay_mult=1.0), not {entry!r}")
            continue
        problems += _unknown_keys(entry, CUSTOM_KEY_KEYS, "a custom_keys entry")
        problems += [f"{where(entry, k)}: must be a number, not {entry[k]!r}"
                     for k in CUSTOM_KEY_KEYS if k in entry and not _is_number(entry[k])]
    return problems


def _needs_base_problems(paramwise_cfg: dict, optimizer_cfg: dict, base_lr: Any) -> list[str]:
    """A decay multiplier without the optimizer's `weight_decay`, or an lr multiplier without any base lr."""
    decay = [where(paramwise_cfg, k) for k in DECAY_MULTS if k in paramwise_cfg]
    lr = [where(paramwise_cfg, k) for k in ("bias_lr_mult", "dcn_offset_lr_mult") if k in paramwise_cfg]
    custom_keys = paramwise_cfg.get("custom_keys")
    for entry in (custom_keys.values() if isinstance(custom_keys, dict) else ()):
        if isinstance(entry, dict):
            decay += [where(entry, "decay_mult")] if "decay_mult" in entry else []
            lr += [where(entry, "lr_mult")] if "lr_mult" in entry else []
    problems = []
    if optimizer_cfg.get("weight_decay") is None:
        problems += [f"{path}: a decay multiplier needs a base weight decay, but {where(optimizer_cfg)} sets no "
                     f"weight_decay; add one (e.g. weight_decay=0.0001) or remove this multiplier" for path in decay]
    if base_lr is None:
        problems += [f"{path}: an lr multiplier needs a base lr, but {where(optimizer_cfg)} sets no lr and its "
                     f"optimizer has no default lr; add lr=..." for path in lr]
    return problems


def paramwise_problems(paramwise_cfg: dict, optimizer_cfg: dict, base_lr: Any,
                       allowed: Iterable[str] | None = PARAMWISE_KEYS) -> list[str]:
    """Every problem of `paramwise_cfg`, each naming its key path: keys outside `allowed` (None: not checked,
    for a constructor subclass that reads keys of its own) and in each `custom_keys` entry, values of the
    wrong type, and multipliers that have no base value to multiply."""
    problems = [] if allowed is None else _unknown_keys(paramwise_cfg, allowed, "paramwise_cfg")
    problems += [f"{where(paramwise_cfg, k)}: must be a number, not {paramwise_cfg[k]!r}"
                 for k in ("bias_lr_mult", "dcn_offset_lr_mult", *DECAY_MULTS) if k in paramwise_cfg
                 and not _is_number(paramwise_cfg[k])]
    if not isinstance(paramwise_cfg.get("bypass_duplicate", False), bool):
        problems.append(f"{where(paramwise_cfg, 'bypass_duplicate')}: must be True or False, "
                        f"not {paramwise_cfg['bypass_duplicate']!r}")
    if "custom_keys" in paramwise_cfg:
        problems += _custom_key_problems(paramwise_cfg)
    return problems + _needs_base_problems(paramwise_cfg, optimizer_cfg, base_lr)


def wrapped_name(name: str) -> str:
    """A parameter's full name as MMAction2's optimizer constructor sees it: its `train_model` wraps the model in
    MMDataParallel (or MMDistributedDataParallel) before building the optimizer, so every name starts with
    `module.`; configs rely on it (TimeSformer's `custom_keys={'.backbone.cls_token': ...}`)."""
    return name if name.startswith("module.") else f"module.{name}"


def is_depthwise_conv(module: nn.Module) -> bool:
    """`Conv1d/2d/3d` with one group per input channel."""
    return isinstance(module, CONV_LAYERS) and module.in_channels == module.groups


def is_deformable_conv(module: nn.Module) -> bool:
    """A deformable convolution, recognised as mmcv recognises its own: by class (here the class name, or a
    base class's, is `DeformConv2d` or `ModulatedDeformConv2d`; `DeformConv2dPack` and the like included)."""
    return any(cls.__name__ in DCN_CLASS_NAMES for cls in type(module).__mro__)


@dataclass(frozen=True)
class ParamwiseRules:
    """The rules of one (checked) `paramwise_cfg`, applied by `options`. A base of None means that the
    optimizer config sets no such value; its overrides are then left out."""

    base_lr: float | None
    base_wd: float | None
    bias_lr_mult: float = 1.0
    bias_decay_mult: float = 1.0
    norm_decay_mult: float = 1.0
    dwconv_decay_mult: float = 1.0
    dcn_offset_lr_mult: float = 1.0
    custom_keys: tuple[tuple[str, float, float], ...] = ()  # (key, lr_mult, decay_mult) in matching order

    @classmethod
    def from_cfg(cls, paramwise_cfg: dict, base_lr: float | None, base_wd: float | None) -> ParamwiseRules:
        custom = paramwise_cfg.get("custom_keys") or {}
        ordered = sorted(sorted(custom), key=len, reverse=True)  # stable: alphabetical among equal lengths
        mults = {k: float(paramwise_cfg[k]) for k in ("bias_lr_mult", "dcn_offset_lr_mult", *DECAY_MULTS)
                 if k in paramwise_cfg}
        return cls(base_lr, base_wd, **mults, custom_keys=tuple(
            (key, float(custom[key].get("lr_mult", 1.0)), float(custom[key].get("decay_mult", 1.0)))
            for key in ordered))

    def options(self, name: str, local_name: str, module: nn.Module, in_dcn: bool = False) -> dict[str, float]:
        """The `lr` / `weight_decay` overrides of the trainable parameter `name` (`local_name` in `module`);
        `in_dcn`: `module` is a direct child of a deformable convolution."""
        for key, lr_mult, decay_mult in self.custom_keys:
            if key in wrapped_name(name):
                return self._scaled(lr_mult, decay_mult)
        is_norm, is_bias = isinstance(module, NORM_LAYERS), local_name == "bias"
        options = {}
        if is_bias and not (is_norm or in_dcn) and self.base_lr is not None:
            options["lr"] = self.base_lr * self.bias_lr_mult
        module_name = name[: -len(local_name) - 1] if name != local_name else ""
        if in_dcn and "conv_offset" in module_name and isinstance(module, nn.Conv2d) and self.base_lr is not None:
            options["lr"] = self.base_lr * self.dcn_offset_lr_mult
        if self.base_wd is not None:
            if is_norm:
                options["weight_decay"] = self.base_wd * self.norm_decay_mult
            elif is_depthwise_conv(module):
                options["weight_decay"] = self.base_wd * self.dwconv_decay_mult
            elif is_bias and not in_dcn:
                options["weight_decay"] = self.base_wd * self.bias_decay_mult
        return options

    def _scaled(self, lr_mult: float, decay_mult: float) -> dict[str, float]:
        options = {}
        if self.base_lr is not None:
            options["lr"] = self.base_lr * lr_mult
        if self.base_wd is not None:
            options["weight_decay"] = self.base_wd * decay_mult
        return options
