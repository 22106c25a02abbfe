"""3D ResNets for clips `[N, C, T, H, W]`: I3D (2D ImageNet weights inflated) and SlowOnly, with MMAction2 0.x's
constructor arguments so its configs run unchanged.

Modules carry torchvision's names (`conv1`, `bn1`, `layerK.i.convJ` / `bnJ`, `downsample.0` / `.1`) so that
2D weights inflate key for key; `inflate.RESNET_KEY_REVISIONS` maps MMAction2's ConvModule names onto them.
Kernels follow MMAction2: an inflated Bottleneck3d has conv1 (3,1,1) and conv2 (1,3,3) with '3x1x1', conv1
(1,1,1) and conv2 (3,3,3) with '3x3x3'; an inflated BasicBlock3d has (3,3,3) for both convs whatever the
inflate_style; a block that is not inflated keeps a 1-frame kernel everywhere.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from vidrun.models.backbones.inflate import inflate_from_file, normalise_resnet_keys
from vidrun.models.layers import build_activation_layer, build_conv_layer, build_norm_layer
from vidrun.models.pretrained import read_weights
from vidrun.models.backbones.freezing import freeze, norms_to_eval
from vidrun.models.registries import BACKBONES
from vidrun.models.weight_init import constant_init, init_conv_and_norm
from vidrun.runner.checkpoint import load_state_dict

_log = logging.getLogger("vidrun")


@dataclass(frozen=True)
class Layers3d:
    """How blocks build their layers (MMAction2's `conv_cfg` / `norm_cfg` / `act_cfg`; None means Conv3d,
    BN3d and ReLU(inplace=True); convs have no bias) and whether they trade compute for memory with gradient
    checkpointing (`with_cp`)."""

    conv_cfg: dict | None = None
    norm_cfg: dict | None = None
    act_cfg: dict | None = None
    with_cp: bool = False

    def conv(self, cin: int, cout: int, kernel: Sequence[int], stride=1, dilation=1) -> nn.Module:
        """A bias-free conv padded to keep sizes (`(k - 1) // 2 * dilation` on each axis)."""
        dilation3 = (dilation,) * 3 if isinstance(dilation, int) else tuple(dilation)
        padding = tuple((k - 1) // 2 * d for k, d in zip(kernel, dilation3))
        return build_conv_layer(self.conv_cfg, cin, cout, tuple(kernel), stride=stride, padding=padding,
                                dilation=dilation3, bias=False, dims=3)

    def norm(self, channels: int) -> nn.Module:
        return build_norm_layer(self.norm_cfg, channels, dims=3)

    def act(self) -> nn.Module:
        return build_activation_layer(self.act_cfg)


class _Residual(nn.Module):
    """`act(branch(x) + shortcut(x))`; the sum is recomputed in backward when `with_cp` and x needs grad.
    `last_norm` names the norm whose weight `zero_init_residual` zeroes, making the block start as identity."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.with_cp and x.requires_grad:
            return self.relu(checkpoint(self._residual, x, use_reentrant=False))
        return self.relu(self._residual(x))

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        return self._branch(x) + identity


class BasicBlock3d(_Residual):
    """Two 3×3 convs (3×3×3 when inflated, 1×3×3 otherwise); conv1 carries the stride and the dilation.
    `style` and `inflate_style` are accepted for MMAction2's signature and do not change this block."""

    expansion, last_norm = 1, "bn2"

    def __init__(self, inplanes: int, planes: int, spatial_stride: int = 1, temporal_stride: int = 1,
                 dilation: int = 1, downsample: nn.Module | None = None, style: str = "pytorch",
                 inflate: bool = True, inflate_style: str = "3x1x1", layers: Layers3d | None = None):
        super().__init__()
        layers = layers or Layers3d()
        kernel = (3, 3, 3) if inflate else (1, 3, 3)
        self.conv1 = layers.conv(inplanes, planes, kernel, (temporal_stride, spatial_stride, spatial_stride),
                                 dilation=(1, dilation, dilation))
        self.bn1 = layers.norm(planes)
        self.conv2 = layers.conv(planes, planes, kernel)
        self.bn2 = layers.norm(planes)
        self.relu = layers.act()
        self.downsample = downsample
        self.with_cp = layers.with_cp

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))


class Bottleneck3d(_Residual):
    """1×1 → 3×3 → 1×1 (×4 channels). With style 'pytorch' conv2 carries the strides, with 'caffe' conv1."""

    expansion, last_norm = 4, "bn3"
    kernels = {"3x1x1": ((3, 1, 1), (1, 3, 3)), "3x3x3": ((1, 1, 1), (3, 3, 3)), None: ((1, 1, 1), (1, 3, 3))}

    def __init__(self, inplanes: int, planes: int, spatial_stride: int = 1, temporal_stride: int = 1,
                 dilation: int = 1, downsample: nn.Module | None = None, style: str = "pytorch",
                 inflate: bool = True, inflate_style: str = "3x1x1", layers: Layers3d | None = None):
        super().__init__()
        layers = layers or Layers3d()
        kernel1, kernel2 = self.kernels[inflate_style if inflate else None]
        stride = (temporal_stride, spatial_stride, spatial_stride)
        stride1, stride2 = (1, stride) if style == "pytorch" else (stride, 1)
        self.conv1 = layers.conv(inplanes, planes, kernel1, stride1)
        self.bn1 = layers.norm(planes)
        self.conv2 = layers.conv(planes, planes, kernel2, stride2, dilation=(1, dilation, dilation))
        self.bn2 = layers.norm(planes)
        self.conv3 = layers.conv(planes, planes * self.expansion, (1, 1, 1))
        self.bn3 = layers.norm(planes * self.expansion)
        self.relu = layers.act()
        self.downsample = downsample
        self.with_cp = layers.with_cp

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.bn3(self.conv3(out))


ARCH_SETTINGS = {18: (BasicBlock3d, (2, 2, 2, 2)), 34: (BasicBlock3d, (3, 4, 6, 3)),
                 50: (Bottleneck3d, (3, 4, 6, 3)), 101: (Bottleneck3d, (3, 4, 23, 3)),
                 152: (Bottleneck3d, (3, 8, 36, 3))}


def _per_block(value, stage_blocks: Sequence[int], name: str) -> list[tuple[bool, ...]]:
    """`inflate` / `non_local` as one flag per block of each stage: an int for everything, or per stage an int
    (all its blocks) or a sequence with one entry per block. Entries past the last stage are ignored."""
    per_stage = [value] * len(stage_blocks) if isinstance(value, int) else list(value)
    if len(per_stage) < len(stage_blocks):
        raise ValueError(f"ResNet3d: {name}={value!r} has {len(per_stage)} entries for {len(stage_blocks)} stages")
    flags = []
    for i, (entry, blocks) in enumerate(zip(per_stage, stage_blocks)):
        entry = (entry,) * blocks if isinstance(entry, int) else tuple(entry)
        if len(entry) != blocks:
            raise ValueError(f"ResNet3d: {name}[{i}]={entry!r} has {len(entry)} entries but layer{i + 1} has "
                             f"{blocks} blocks")
        flags.append(tuple(bool(e) for e in entry))
    return flags


def _check(depth: int, num_stages: int, stage_blocks, per_stage: dict, out_indices: Sequence[int],
           choices: dict) -> tuple[type, tuple[int, ...]]:
    """The block class and blocks per stage, or a ValueError naming the first bad argument."""
    if depth not in ARCH_SETTINGS:
        raise ValueError(f"ResNet3d: depth={depth!r} is not supported; choose one of {sorted(ARCH_SETTINGS)}")
    if not 1 <= num_stages <= 4:
        raise ValueError(f"ResNet3d: num_stages={num_stages!r} must be 1 to 4")
    block, default_blocks = ARCH_SETTINGS[depth]
    stage_blocks = tuple(stage_blocks or default_blocks[:num_stages])
    for name, value in {"stage_blocks": stage_blocks, **per_stage}.items():
        if len(value) != num_stages:
            raise ValueError(f"ResNet3d: {name}={value!r} needs one entry per stage (num_stages={num_stages})")
    if not out_indices or not all(0 <= i < num_stages for i in out_indices):
        raise ValueError(f"ResNet3d: out_indices={out_indices!r} must be stage indices below {num_stages}")
    for name, (value, allowed) in choices.items():
        if value not in allowed:
            raise ValueError(f"ResNet3d: {name}={value!r} is not one of {allowed}")
    return block, stage_blocks


@BACKBONES.register_module()
class ResNet3d(nn.Module):
    """A 3D ResNet (MMAction2 0.x arguments). Input `[N, C, T, H, W]`; output the last stage's features, or a
    tuple with one per entry of `out_indices`. `inflate` picks per block whether its kernels span time (see
    the module docstring); `with_pool2` halves T after layer1 (max pool (2,1,1), stride (2,1,1), as MMAction2).

    `init_weights()`: Kaiming / constant init (with `zero_init_residual`, each block's last norm weight is 0),
    then, when `pretrained` is a local path, inflate it as 2D weights (`pretrained2d`) or load it as 3D weights
    (MMAction2 key names accepted). `conv_cfg` / `norm_cfg` / `act_cfg` of None mean Conv3d / BN3d / ReLU.
    Non-local blocks are not implemented: `non_local` must stay all zeros (`non_local_cfg` is then unused)."""

    def __init__(self, depth: int, pretrained: str | None = None, stage_blocks: Sequence[int] | None = None,
                 pretrained2d: bool = True, in_channels: int = 3, num_stages: int = 4, base_channels: int = 64,
                 out_indices: Sequence[int] = (3,), spatial_strides: Sequence[int] = (1, 2, 2, 2),
                 temporal_strides: Sequence[int] = (1, 1, 1, 1), dilations: Sequence[int] = (1, 1, 1, 1),
                 conv1_kernel: Sequence[int] = (3, 7, 7), conv1_stride_s: int = 2, conv1_stride_t: int = 1,
                 pool1_stride_s: int = 2, pool1_stride_t: int = 1, with_pool1: bool = True,
                 with_pool2: bool = True, style: str = "pytorch", frozen_stages: int = -1,
                 inflate=(1, 1, 1, 1), inflate_style: str = "3x1x1", conv_cfg: dict | None = None,
                 norm_cfg: dict | None = None, act_cfg: dict | None = None, norm_eval: bool = False,
                 with_cp: bool = False, non_local=(0, 0, 0, 0), non_local_cfg: dict | None = None,
                 zero_init_residual: bool = True):
        super().__init__()
        self.block, self.stage_blocks = _check(depth, num_stages, stage_blocks, dict(
            spatial_strides=spatial_strides, temporal_strides=temporal_strides, dilations=dilations), out_indices,
            dict(style=(style, ("pytorch", "caffe")), inflate_style=(inflate_style, ("3x1x1", "3x3x3")),
                 frozen_stages=(frozen_stages, tuple(range(-1, num_stages + 1)))))
        if any(any(flags) for flags in _per_block(non_local, self.stage_blocks, "non_local")):
            raise ValueError(f"ResNet3d: non_local={non_local!r} is not supported (vidrun has no non-local "
                             f"blocks); use non_local=(0, 0, 0, 0)")
        if pretrained is not None and not isinstance(pretrained, str):
            raise TypeError(f"ResNet3d: pretrained must be a path or None, not {pretrained!r}")
        self.depth, self.pretrained, self.pretrained2d = depth, pretrained, pretrained2d
        self.out_indices, self.frozen_stages = tuple(out_indices), frozen_stages
        self.norm_eval, self.zero_init_residual = norm_eval, zero_init_residual
        self.style, self.inflate_style = style, inflate_style
        self._layers = Layers3d(conv_cfg, norm_cfg, act_cfg, with_cp)
        self._make_stem(in_channels, base_channels, tuple(conv1_kernel), (conv1_stride_t, conv1_stride_s),
                        (pool1_stride_t, pool1_stride_s) if with_pool1 else None)
        self.pool2 = nn.MaxPool3d((2, 1, 1), (2, 1, 1)) if with_pool2 else nn.Identity()
        self.res_layers = [f"layer{i + 1}" for i in range(num_stages)]
        inplanes = base_channels
        for i, flags in enumerate(_per_block(inflate, self.stage_blocks, "inflate")):
            planes = base_channels * 2 ** i
            self.add_module(self.res_layers[i], self.make_res_layer(
                inplanes, planes, flags, spatial_strides[i], temporal_strides[i], dilations[i]))
            inplanes = planes * self.block.expansion
        self.feat_dim = inplanes
        self._freeze_stages()

    def _make_stem(self, in_channels: int, channels: int, kernel: tuple, conv_stride: tuple,
                   pool_stride: tuple | None) -> None:
        """conv1 → bn1 → relu → maxpool (1,3,3); strides given as (temporal, spatial)."""
        (conv_t, conv_s), layers = conv_stride, self._layers
        self.conv1 = layers.conv(in_channels, channels, kernel, (conv_t, conv_s, conv_s))
        self.bn1 = layers.norm(channels)
        self.relu = layers.act()
        self.maxpool = (nn.MaxPool3d((1, 3, 3), (pool_stride[0], pool_stride[1], pool_stride[1]), (0, 1, 1))
                        if pool_stride else nn.Identity())

    def make_res_layer(self, inplanes: int, planes: int, inflate: Sequence[bool], spatial_stride: int,
                       temporal_stride: int, dilation: int) -> nn.Sequential:
        """One stage of `len(inflate)` blocks; the first one strides, and projects the shortcut when the
        strides or the channel count change."""
        block, layers, out_planes = self.block, self._layers, planes * self.block.expansion
        # MMAction2 ignores temporal_stride here, which breaks the sum for a temporal-only stride.
        downsample = None if (spatial_stride, temporal_stride, inplanes) == (1, 1, out_planes) else nn.Sequential(
            layers.conv(inplanes, out_planes, (1, 1, 1), (temporal_stride, spatial_stride, spatial_stride)),
            layers.norm(out_planes))
        blocks = [block(inplanes, planes, spatial_stride, temporal_stride, dilation, downsample, self.style,
                        inflate[0], self.inflate_style, layers)]
        blocks += [block(out_planes, planes, 1, 1, dilation, None, self.style, flag, self.inflate_style, layers)
                   for flag in inflate[1:]]
        return nn.Sequential(*blocks)

    def init_weights(self) -> None:
        """Initialise from scratch, then load `pretrained` over it when it is set (see the class docstring)."""
        init_conv_and_norm(self)
        if self.zero_init_residual:
            for module in self.modules():
                if isinstance(module, _Residual):
                    constant_init(getattr(module, module.last_norm), 0.0)
        owner = type(self).__name__
        if self.pretrained is not None and self.pretrained2d:
            inflate_from_file(self, self.pretrained, owner)
        elif self.pretrained is not None:
            weights = normalise_resnet_keys(read_weights(self.pretrained, owner))
            load_state_dict(self, weights, logger=_log, source=self.pretrained)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        if x.dim() != 5:
            raise ValueError(f"{type(self).__name__} expects clips [N, C, T, H, W], got shape {tuple(x.shape)}")
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i == 0:
                x = self.pool2(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _freeze_stages(self) -> None:
        """Stem (frozen_stages >= 0) and layer1..layer{frozen_stages}: eval mode, parameters without grad."""
        freeze(([self.conv1, self.bn1] if self.frozen_stages >= 0 else []) + [
            getattr(self, f"layer{i}") for i in range(1, self.frozen_stages + 1)])

    def train(self, mode: bool = True) -> ResNet3d:
        """As nn.Module.train, keeping frozen stages in eval mode, and every norm layer too with `norm_eval`."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            norms_to_eval(self)
        return self


@BACKBONES.register_module()
class ResNet3dSlowOnly(ResNet3d):
    """SlowOnly (Feichtenhofer et al. 2019): ResNet3d with a 1-frame stem, no temporal pooling and inflated
    blocks in layer3 and layer4 only. `lateral` exists for MMAction2's configs; SlowFast's lateral
    connections are not implemented, so it must be False."""

    def __init__(self, depth: int, pretrained: str | None = None, lateral: bool = False,
                 conv1_kernel: Sequence[int] = (1, 7, 7), conv1_stride_t: int = 1, pool1_stride_t: int = 1,
                 inflate=(0, 0, 1, 1), with_pool2: bool = False, **kwargs):
        if lateral:
            raise ValueError("ResNet3dSlowOnly: lateral=True (SlowFast's lateral connections) is not supported; "
                             "set lateral=False")
        super().__init__(depth, pretrained, conv1_kernel=conv1_kernel, conv1_stride_t=conv1_stride_t,
                         pool1_stride_t=pool1_stride_t, inflate=inflate, with_pool2=with_pool2, **kwargs)
