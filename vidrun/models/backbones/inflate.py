"""Inflating 2D ImageNet ResNet weights into a 3D network (I3D, Carreira & Zisserman 2017).

A 2D convolution weight `[O, I, kh, kw]` becomes `[O, I, kt, kh, kw]`: the kernel repeated `kt` times along time
and divided by `kt`, so that on a clip of identical frames the 3D convolution computes what the 2D one computes
on one frame (away from the temporal padding). Tensors of the same shape (norm parameters and buffers, biases,
1-frame kernels saved as 3D) are copied.

Keys are matched by name. The 3D model carries MMAction2's ConvModule names (`conv1.conv.weight`,
`layer1.0.conv1.bn.weight`, `downsample.conv.weight`); a 2D file with the same names (an MMAction2 TSN
checkpoint) matches directly, and torchvision's names (`conv1.weight`, `bn1.*`, `layer1.0.bn1.*`,
`downsample.0` / `.1`) are first mapped onto them by `vidrun.models.legacy_keys`.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field

import torch
from torch import nn

from vidrun.models.legacy_keys import rename_legacy_keys
from vidrun.models.pretrained import read_weights

# The ImageNet classifier of a 2D file has no place in a backbone; leaving it out is expected, not a warning.
CLASSIFIER_PREFIX = "fc."
_SHOWN = 12
_log = logging.getLogger("vidrun")


@dataclass
class InflationReport:
    """What an inflation left out: 3D keys the 2D weights lack (kept as initialised), 2D keys with no 3D
    counterpart (ignored), and keys whose shapes cannot be inflated (`key: (2D shape, 3D shape)`)."""

    missing: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    mismatched: dict[str, tuple[tuple, tuple]] = field(default_factory=dict)

    def problems(self) -> list[str]:
        """One line per kind of problem, the ImageNet classifier's unused keys left out (they are expected)."""
        unused = [k for k in self.unused if not k.startswith(CLASSIFIER_PREFIX)]
        lines = []
        if self.missing:
            lines.append(f"not in the 2D weights (left as initialised): {_shorten(self.missing)}")
        if unused:
            lines.append(f"2D weights with no 3D counterpart (ignored): {_shorten(unused)}")
        lines += [f"shape mismatch for {k} (left as initialised): 2D {shape_2d}, 3D {shape_3d}"
                  for k, (shape_2d, shape_3d) in self.mismatched.items()]
        return lines


def _shorten(keys: list[str]) -> str:
    more = f" ... ({len(keys) - _SHOWN} more)" if len(keys) > _SHOWN else ""
    return ", ".join(keys[:_SHOWN]) + more


def inflate_tensor(weight_2d: torch.Tensor, like: torch.Tensor) -> torch.Tensor | None:
    """`weight_2d` shaped like `like`: copied when the shapes agree, inflated along dim 2 (repeated and divided
    by the temporal size) when `like` is its 3D version; None when neither fits."""
    if weight_2d.shape == like.shape:
        return weight_2d.to(like.dtype).clone()
    if weight_2d.dim() + 1 == like.dim() >= 3 and like.shape[:2] + like.shape[3:] == weight_2d.shape:
        kernel_t = like.shape[2]
        return (weight_2d.unsqueeze(2).expand_as(like) / kernel_t).to(like.dtype).contiguous()
    return None


def inflate_state_dict(state_dict_2d: dict, state_dict_3d: dict) -> tuple[OrderedDict, InflationReport]:
    """The tensors of `state_dict_3d` (the target's, for names and shapes) that `state_dict_2d` provides,
    inflated, with a report of what could not be matched. Both must already use the same names."""
    inflated: OrderedDict = OrderedDict()
    report = InflationReport()
    for key, like in state_dict_3d.items():
        if key not in state_dict_2d:
            report.missing.append(key)
            continue
        tensor = inflate_tensor(state_dict_2d[key], like)
        if tensor is None:
            report.mismatched[key] = (tuple(state_dict_2d[key].shape), tuple(like.shape))
        else:
            inflated[key] = tensor
    report.unused = [key for key in state_dict_2d if key not in state_dict_3d]
    return inflated, report


def inflate_weights(model: nn.Module, state_dict_2d: dict, source: str = "the 2D weights",
                    logger: logging.Logger | None = None) -> InflationReport:
    """Inflate `state_dict_2d` (torchvision or MMAction2 names) into `model` in place and return the report
    (its keys under the model's names).

    Everything left out is logged as one warning (on the `vidrun` logger unless `logger` is given); the 2D
    classifier's `fc.*` keys, always unused, are only mentioned at INFO level."""
    own = model.state_dict()
    inflated, report = inflate_state_dict(rename_legacy_keys(state_dict_2d, own.keys())[0], own)
    model.load_state_dict(inflated, strict=False)
    logger = logger or _log
    problems = report.problems()
    if problems:
        logger.warning(f"inflating {source} into {type(model).__name__}:\n  " + "\n  ".join(problems))
    classifier = [k for k in report.unused if k.startswith(CLASSIFIER_PREFIX)]
    if classifier:
        logger.info(f"inflating {source}: ignored the 2D classifier {', '.join(classifier)}")
    return report


def inflate_from_file(model: nn.Module, path: str, owner: str,
                      logger: logging.Logger | None = None) -> InflationReport:
    """Inflate the 2D weights in the local file `path` into `model`; a remote name (`torchvision://...`) is a
    ValueError saying how to get the file, naming `owner` (e.g. 'ResNet3d')."""
    return inflate_weights(model, read_weights(path, owner), source=str(path), logger=logger)
