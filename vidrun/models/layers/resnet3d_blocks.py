"""The residual blocks of 3D ResNets (I3D, SlowOnly) as MMAction2 0.x builds them.

Each convolution is a `ConvModule` (`conv1.conv`, `conv1.bn`, ...): the key names of MMAction2's checkpoints.
Kernels follow MMAction2: an inflated Bottleneck3d has conv1 (3,1,1) and conv2 (1,3,3) with '3x1x1', conv1
(1,1,1) and conv2 (3,3,3) with '3x3x3'; an inflated BasicBlock3d has (3,3,3) for both convs whatever the
inflate_style; a block that is not inflated keeps a 1-frame kernel everywhere. Paddings keep T, H and W (with
the dilation on H and W); convolutions have no bias; the block's last ConvModule has no activation, and the
`act_cfg` activation follows the sum.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from vidrun.models.layers.builders import build_activation_layer
from vidrun.models.layers.conv_module import ConvModule
from vidrun.models.layers.non_local import NonLocal3d
from vidrun.models.layers.resnet_blocks import check_style

CONV3D, BN3D, RELU = {"type": "Conv3d"}, {"type": "BN3d"}, {"type": "ReLU"}


class Residual3d(nn.Module):
    """`act(branch(x) + shortcut(x))`, then the block's `non_local_block` where it has one (a `NonLocal3d`, as
    MMAction2 puts it after the activation); the sum is recomputed in backward when `with_cp` and x needs grad.
    `last` names the ConvModule whose norm weight `zero_init_residual` zeroes, making the block start as
    identity."""

    expansion, last = 1, "conv2"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.with_cp and x.requires_grad:
            out = self.relu(checkpoint(self._residual, x, use_reentrant=False))
        else:
            out = self.relu(self._residual(x))
        non_local = getattr(self, "non_local_block", None)
        return out if non_local is None else non_local(out)

    def _add_non_local(self, non_local: bool, non_local_cfg: dict | None) -> None:
        """With `non_local`, a `NonLocal3d(channels out, **non_local_cfg)` registered last (MMAction2's
        order, so its keys `non_local_block.*` follow the block's own)."""
        self.non_local = non_local
        if non_local:
            self.non_local_block = NonLocal3d(getattr(self, self.last).conv.out_channels,
                                              **dict(non_local_cfg or {}))

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        return self._branch(x) + identity


class BasicBlock3d(Residual3d):
    """Two 3×3 convs (3×3×3 when inflated, 1×3×3 otherwise); conv1 carries the strides and the dilation.
    `style` and `inflate_style` are accepted for MMAction2's signature and do not change this block."""

    expansion, last = 1, "conv2"

    def __init__(self, inplanes: int, planes: int, spatial_stride: int = 1, temporal_stride: int = 1,
                 dilation: int = 1, downsample: nn.Module | None = None, style: str = "pytorch",
                 inflate: bool = True, inflate_style: str = "3x1x1", non_local: bool = False,
                 non_local_cfg: dict | None = None, conv_cfg: dict | None = CONV3D,
                 norm_cfg: dict | None = BN3D, act_cfg: dict | None = RELU, with_cp: bool = False):
        super().__init__()
        check_style(style, "BasicBlock3d")
        kernel, pad_t = ((3, 3, 3), 1) if inflate else ((1, 3, 3), 0)
        common = dict(bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg, dims=3)
        self.conv1 = ConvModule(inplanes, planes, kernel, (temporal_stride, spatial_stride, spatial_stride),
                                (pad_t, dilation, dilation), (1, dilation, dilation), act_cfg=act_cfg, **common)
        self.conv2 = ConvModule(planes, planes * self.expansion, kernel, 1, (pad_t, 1, 1), act_cfg=None, **common)
        self.downsample = downsample
        self.relu = build_activation_layer(act_cfg)
        self.with_cp = with_cp
        self._add_non_local(non_local, non_local_cfg)

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


class Bottleneck3d(Residual3d):
    """1×1 → 3×3 → 1×1 (×4 channels). With style 'pytorch' conv2 carries the strides, with 'caffe' conv1."""

    expansion, last = 4, "conv3"
    # (conv1 kernel, conv2 kernel) per inflate_style, and for a block that is not inflated (None).
    kernels = {"3x1x1": ((3, 1, 1), (1, 3, 3)), "3x3x3": ((1, 1, 1), (3, 3, 3)), None: ((1, 1, 1), (1, 3, 3))}

    def __init__(self, inplanes: int, planes: int, spatial_stride: int = 1, temporal_stride: int = 1,
                 dilation: int = 1, downsample: nn.Module | None = None, style: str = "pytorch",
                 inflate: bool = True, inflate_style: str = "3x1x1", non_local: bool = False,
                 non_local_cfg: dict | None = None, conv_cfg: dict | None = CONV3D,
                 norm_cfg: dict | None = BN3D, act_cfg: dict | None = RELU, with_cp: bool = False):
        super().__init__()
        check_style(style, "Bottleneck3d")
        if inflate_style not in ("3x1x1", "3x3x3"):
            raise ValueError(f"Bottleneck3d: inflate_style must be '3x1x1' or '3x3x3', not {inflate_style!r}")
        kernel1, kernel2 = self.kernels[inflate_style if inflate else None]
        stride = (temporal_stride, spatial_stride, spatial_stride)
        stride1, stride2 = (1, stride) if style == "pytorch" else (stride, 1)
        common = dict(bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg, dims=3)
        self.conv1 = ConvModule(inplanes, planes, kernel1, stride1, tuple((k - 1) // 2 for k in kernel1),
                                act_cfg=act_cfg, **common)
        self.conv2 = ConvModule(planes, planes, kernel2, stride2, ((kernel2[0] - 1) // 2, dilation, dilation),
                                (1, dilation, dilation), act_cfg=act_cfg, **common)
        self.conv3 = ConvModule(planes, planes * self.expansion, 1, act_cfg=None, **common)
        self.downsample = downsample
        self.relu = build_activation_layer(act_cfg)
        self.with_cp = with_cp
        self._add_non_local(non_local, non_local_cfg)

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv3(self.conv2(self.conv1(x)))
