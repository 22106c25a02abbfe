"""`InvertedResidual`, MobileNetV2's block (Sandler et al. 2018), named as MMAction2 names it.

The block is one `nn.Sequential` called `conv`: a 1×1 expansion `ConvModule` (left out when `expand_ratio` is
1), a 3×3 depthwise `ConvModule` carrying the stride, and a 1×1 linear projection `ConvModule` (no activation).
Keys therefore read `layer2.0.conv.0.conv.weight`, `layer2.0.conv.2.bn.running_mean`, as in MMAction2's
checkpoints. The input is added back when the stride is 1 and the channels do not change.
"""
from __future__ import annotations

import torch
import torch.utils.checkpoint as cp
from torch import nn

from vidrun.models.layers.conv_module import ConvModule


class InvertedResidual(nn.Module):
    """expand (1×1) → depthwise (3×3, `stride`) → project (1×1, linear), plus the input when shapes allow.

    The hidden width is `round(in_channels * expand_ratio)`. Default layers are mmcv's for MobileNetV2:
    `norm_cfg=dict(type='BN')`, `act_cfg=dict(type='ReLU6')`. `with_cp` recomputes the block in the backward
    pass (gradient checkpointing) when the input needs a gradient.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, expand_ratio: float,
                 conv_cfg: dict | None = None, norm_cfg: dict | None = None, act_cfg: dict | None = None,
                 with_cp: bool = False):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"InvertedResidual: stride must be 1 or 2, not {stride!r}")
        norm_cfg = dict(norm_cfg or {"type": "BN"})
        act_cfg = dict(act_cfg or {"type": "ReLU6"})
        self.stride, self.with_cp = stride, with_cp
        self.use_res_connect = stride == 1 and in_channels == out_channels
        hidden = int(round(in_channels * expand_ratio))
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        layers = []
        if expand_ratio != 1:
            layers.append(ConvModule(in_channels, hidden, 1, act_cfg=act_cfg, **common))
        layers.append(ConvModule(hidden, hidden, 3, stride, 1, groups=hidden, act_cfg=act_cfg, **common))
        layers.append(ConvModule(hidden, out_channels, 1, act_cfg=None, **common))
        self.conv = nn.Sequential(*layers)

    def _inner_forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._inner_forward, x, use_reentrant=False)
        return self._inner_forward(x)
