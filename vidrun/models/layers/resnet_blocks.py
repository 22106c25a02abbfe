"""The residual blocks of 2D ResNets (He et al. 2016) as MMAction2 0.x builds them, and a stage of them.

Each convolution is a `ConvModule` (`conv1.conv`, `conv1.bn`, ...), the projection shortcut too
(`downsample.conv`, `downsample.bn`): the key names of MMAction2's TSN and TSM checkpoints. Convolutions have no
bias; the last one of a block has no activation; the activation after the sum is `ReLU(inplace=True)` whatever
`act_cfg` says, as in MMAction2.
"""
from __future__ import annotations

import torch
import torch.utils.checkpoint as cp
from torch import nn

from vidrun.models.layers.conv_module import ConvModule

STYLES = ("pytorch", "caffe")


def check_style(style: str, owner: str) -> None:
    """A ValueError naming `owner` unless `style` is 'pytorch' or 'caffe'."""
    if style not in STYLES:
        raise ValueError(f"{owner}: style must be 'pytorch' or 'caffe', not {style!r}")


class _Block(nn.Module):
    """What both blocks share: `relu(branch(x) + shortcut(x))`, the sum recomputed in the backward pass with
    `with_cp` (gradient checkpointing, when x needs a gradient)."""

    expansion = 1

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _inner_forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        return self._branch(x) + identity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.with_cp and x.requires_grad:
            return self.relu(cp.checkpoint(self._inner_forward, x, use_reentrant=False))
        return self.relu(self._inner_forward(x))


class BasicBlock(_Block):
    """Two 3×3 ConvModules; the stride and the dilation are on the first whatever the `style`."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, dilation: int = 1,
                 downsample: nn.Module | None = None, style: str = "pytorch", conv_cfg: dict | None = None,
                 norm_cfg: dict | None = None, act_cfg: dict | None = None, with_cp: bool = False):
        super().__init__()
        check_style(style, "BasicBlock")
        common = dict(bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg or {"type": "BN"})
        self.conv1 = ConvModule(inplanes, planes, 3, stride, dilation, dilation, act_cfg=act_cfg or
                                {"type": "ReLU", "inplace": True}, **common)
        self.conv2 = ConvModule(planes, planes, 3, 1, 1, 1, act_cfg=None, **common)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.style, self.stride, self.dilation, self.with_cp = style, stride, dilation, with_cp

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


class Bottleneck(_Block):
    """1×1 → 3×3 → 1×1 (×4 channels). 'pytorch' style strides the 3×3 convolution, 'caffe' the first 1×1."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, dilation: int = 1,
                 downsample: nn.Module | None = None, style: str = "pytorch", conv_cfg: dict | None = None,
                 norm_cfg: dict | None = None, act_cfg: dict | None = None, with_cp: bool = False):
        super().__init__()
        check_style(style, "Bottleneck")
        conv1_stride, conv2_stride = (1, stride) if style == "pytorch" else (stride, 1)
        common = dict(bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg or {"type": "BN"})
        act_cfg = act_cfg or {"type": "ReLU", "inplace": True}
        self.conv1 = ConvModule(inplanes, planes, 1, conv1_stride, act_cfg=act_cfg, **common)
        self.conv2 = ConvModule(planes, planes, 3, conv2_stride, dilation, dilation, act_cfg=act_cfg, **common)
        self.conv3 = ConvModule(planes, planes * self.expansion, 1, act_cfg=None, **common)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.style, self.stride, self.dilation, self.with_cp = style, stride, dilation, with_cp

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv3(self.conv2(self.conv1(x)))


def make_res_layer(block: type[_Block], inplanes: int, planes: int, blocks: int, stride: int = 1,
                   dilation: int = 1, style: str = "pytorch", conv_cfg: dict | None = None,
                   norm_cfg: dict | None = None, act_cfg: dict | None = None, with_cp: bool = False) -> nn.Sequential:
    """One stage: `blocks` blocks, the first taking the stride and, when the shape changes, a 1×1 projection
    shortcut (a ConvModule without activation: `downsample.conv`, `downsample.bn`)."""
    options = dict(style=style, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg, with_cp=with_cp)
    downsample = None
    if stride != 1 or inplanes != planes * block.expansion:
        downsample = ConvModule(inplanes, planes * block.expansion, 1, stride, bias=False, conv_cfg=conv_cfg,
                                norm_cfg=norm_cfg or {"type": "BN"}, act_cfg=None)
    layers = [block(inplanes, planes, stride, dilation, downsample, **options)]
    layers += [block(planes * block.expansion, planes, 1, dilation, None, **options) for _ in range(1, blocks)]
    return nn.Sequential(*layers)
