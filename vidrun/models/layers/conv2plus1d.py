"""`Conv2plus1d`: a 3D convolution factorised into a spatial and a temporal one (Tran et al. 2018, "A Closer
Look at Spatiotemporal Convolutions for Action Recognition"), as MMAction2 0.x's, registered as the conv type
'Conv2plus1d' (`conv_cfg=dict(type='Conv2plus1d')`).

For a t×k×k kernel: `conv_s` (1×k×k, the spatial stride and padding) → `bn_s` → ReLU → `conv_t` (t×1×1, the
temporal stride and padding). The middle width is MMAction2's formula, which keeps the parameter count of a
3×k×k convolution: `int(3·in·out·k·k / (in·k·k + 3·out))` — with 3, not t, even for another temporal kernel.
`bn_s` is built from this layer's own `norm_cfg` (default BN3d, eps 1e-5), not the backbone's: a ConvModule
passes none, as in MMAction2. `dilation` and `groups` are recorded and not applied, as in MMAction2.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.modules.utils import _triple

from vidrun.models.layers.builders import CONVS, build_norm_layer


def mid_channels(in_channels: int, out_channels: int, kernel_size) -> int:
    """MMAction2's width between the spatial and the temporal convolution."""
    _, kh, kw = _triple(kernel_size)
    return int(3 * (in_channels * out_channels * kh * kw) / (in_channels * kh * kw + 3 * out_channels))


class Conv2plus1d(nn.Module):
    """Same constructor as `nn.Conv3d` (plus `norm_cfg`); input and output `[N, C, T, H, W]`."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, norm_cfg: dict | None = None):
        super().__init__()
        kernel_size, stride, padding = _triple(kernel_size), _triple(stride), _triple(padding)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation, self.groups, self.bias = stride, padding, dilation, groups, bias
        self.norm_cfg = dict(norm_cfg or {"type": "BN3d"})
        middle = mid_channels(in_channels, out_channels, kernel_size)
        self.conv_s = nn.Conv3d(in_channels, middle, (1, *kernel_size[1:]), (1, *stride[1:]), (0, *padding[1:]),
                                bias=bias)
        self.bn_s = build_norm_layer(self.norm_cfg, middle, dims=3)
        self.relu = nn.ReLU(inplace=True)
        self.conv_t = nn.Conv3d(middle, out_channels, (kernel_size[0], 1, 1), (stride[0], 1, 1),
                                (padding[0], 0, 0), bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_t(self.relu(self.bn_s(self.conv_s(x))))


CONVS["Conv2plus1d"] = Conv2plus1d
