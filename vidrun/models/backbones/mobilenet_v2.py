"""MobileNetV2 (Sandler et al. 2018, "MobileNetV2: Inverted Residuals and Linear Bottlenecks") as MMAction2
0.x's `MobileNetV2` backbone, with its parameter names.

The network reads like the paper's table: a 3×3 stride-2 stem `conv1`, seven stages `layer1`..`layer7` of
`InvertedResidual` blocks (expansion t, width c, blocks n, first stride s), and a 1×1 `conv2` to 1280 channels.
Every convolution is a `ConvModule` (`conv1.conv`, `layer2.0.conv.1.bn`, `conv2.conv`), so MMAction2's and
mmcls' MobileNetV2 weights load key for key.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn

from vidrun.models.backbones.freezing import freeze, norms_to_eval
from vidrun.models.layers import ConvModule, InvertedResidual
from vidrun.models.pretrained import read_weights
from vidrun.models.registries import BACKBONES
from vidrun.models.weight_init import init_conv_and_norm
from vidrun.runner.checkpoint import load_state_dict

_log = logging.getLogger("vidrun")


def make_divisible(value: float, divisor: int, min_value: int | None = None, min_ratio: float = 0.9) -> int:
    """`value` rounded to the nearest multiple of `divisor` (at least `min_value`, default `divisor`), one
    `divisor` more when rounding lost more than `1 - min_ratio` of it."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < min_ratio * value else rounded


@BACKBONES.register_module()
class MobileNetV2(nn.Module):
    """MobileNetV2 on frames `[N, 3, H, W]`; `forward` returns the output of the stages in `out_indices`
    (0..6 are `layer1`..`layer7`, 7 is `conv2`; default `(7,)`, 1280 channels at stride 32), a tuple when there
    are several.

    `widen_factor` scales every width (rounded to multiples of 8; `conv2` grows only when it is above 1).
    `frozen_stages=k` freezes the stem and the first k stages (8 = `conv2` too); `norm_eval` keeps every BN
    layer in eval mode while training; `with_cp` uses gradient checkpointing in the blocks. `pretrained` is a
    local weights file read by `init_weights()`; without it convolutions are Kaiming-initialised and norms set
    to 1/0, as in MMAction2.
    """

    # expand_ratio, channels, blocks, stride of the first block: one row per stage.
    arch_settings = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                     (6, 160, 3, 2), (6, 320, 1, 1))

    def __init__(self, pretrained: str | None = None, widen_factor: float = 1.0, out_indices: Sequence[int] = (7,),
                 frozen_stages: int = -1, conv_cfg: dict | None = None, norm_cfg: dict | None = None,
                 act_cfg: dict | None = None, norm_eval: bool = False, with_cp: bool = False):
        super().__init__()
        name = type(self).__name__
        if not out_indices or any(i not in range(8) for i in out_indices):
            raise ValueError(f"{name}: every out_indices entry must be in 0..7, not {tuple(out_indices)}")
        if frozen_stages not in range(-1, 9):
            raise ValueError(f"{name}: frozen_stages must be -1 (none) to 8, not {frozen_stages!r}")
        self.pretrained, self.widen_factor, self.out_indices = pretrained, widen_factor, tuple(out_indices)
        self.frozen_stages, self.norm_eval, self.with_cp = frozen_stages, norm_eval, with_cp
        self.conv_cfg = dict(conv_cfg or {"type": "Conv"})
        self.norm_cfg = dict(norm_cfg or {"type": "BN2d", "requires_grad": True})
        self.act_cfg = dict(act_cfg or {"type": "ReLU6", "inplace": True})
        self.in_channels = make_divisible(32 * widen_factor, 8)
        self.conv1 = ConvModule(3, self.in_channels, 3, 2, 1, **self._layer_cfgs())
        self.layers: list[str] = []
        for i, (expand_ratio, channels, num_blocks, stride) in enumerate(self.arch_settings):
            stage = self.make_layer(make_divisible(channels * widen_factor, 8), num_blocks, stride, expand_ratio)
            self.add_module(f"layer{i + 1}", stage)
            self.layers.append(f"layer{i + 1}")
        self.out_channel = int(1280 * widen_factor) if widen_factor > 1.0 else 1280
        self.conv2 = ConvModule(self.in_channels, self.out_channel, 1, 1, 0, **self._layer_cfgs())
        self.layers.append("conv2")
        self.feat_dim = self.out_channel

    def _layer_cfgs(self) -> dict:
        return dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)

    def make_layer(self, out_channels: int, num_blocks: int, stride: int, expand_ratio: float) -> nn.Sequential:
        """`num_blocks` inverted residual blocks to `out_channels`; only the first has stride `stride`."""
        blocks = []
        for i in range(num_blocks):
            blocks.append(InvertedResidual(self.in_channels, out_channels, stride if i == 0 else 1, expand_ratio,
                                           with_cp=self.with_cp, **self._layer_cfgs()))
            self.in_channels = out_channels
        return nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        x = self.conv1(x)
        outs = []
        for i, name in enumerate(self.layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def init_weights(self) -> None:
        """Load `pretrained` (a local file; a download address is a ValueError saying how to get a file), not
        strict, reporting missing and unexpected keys; without it, Kaiming and constant init."""
        if isinstance(self.pretrained, str):
            owner = f"{type(self).__name__}.pretrained"
            state_dict = self.convert_weights(read_weights(self.pretrained, owner))
            _log.info("%s: loading weights from %s", type(self).__name__, self.pretrained)
            load_state_dict(self, state_dict, strict=False, logger=_log, source=self.pretrained)
        elif self.pretrained is None:
            init_conv_and_norm(self)
        else:
            raise TypeError(f"{type(self).__name__}: pretrained must be a str (a local file) or None, "
                            f"not {type(self.pretrained).__name__}")

    def convert_weights(self, state_dict: dict) -> OrderedDict:
        """A weights file's state dict under this model's names (here unchanged; subclasses extend this)."""
        return OrderedDict(state_dict)

    def train(self, mode: bool = True) -> "MobileNetV2":
        """Switch mode, then re-apply `frozen_stages` and `norm_eval` (which `nn.Module.train` would undo)."""
        super().train(mode)
        if self.frozen_stages >= 0:
            freeze([self.conv1] + [getattr(self, n) for n in self.layers[:self.frozen_stages]])
        if mode and self.norm_eval:
            norms_to_eval(self)
        return self
