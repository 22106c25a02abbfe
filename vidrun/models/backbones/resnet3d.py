"""3D ResNets for clips `[N, C, T, H, W]` (I3D: 2D ImageNet weights inflated), with MMAction2 0.x's constructor
arguments so its configs run unchanged.

Modules carry MMAction2's names (`conv1.conv`, `conv1.bn`, `layerK.i.convJ.conv` / `.bn`, `downsample.conv` /
`.bn`), so its I3D and SlowOnly checkpoints load key for key; checkpoints of an earlier vidrun (torchvision-like
names) load through `vidrun.models.legacy_keys`. The blocks (`BasicBlock3d`, `Bottleneck3d`) live in
`vidrun.models.layers`, with the kernel rule of each `inflate` / `inflate_style`.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

import torch
from torch import nn

from vidrun.models.backbones.freezing import freeze, norms_to_eval
from vidrun.models.backbones.inflate import inflate_from_file
from vidrun.models.layers import BasicBlock3d, Bottleneck3d, ConvModule
from vidrun.models.layers.resnet3d_blocks import Residual3d
from vidrun.models.legacy_keys import accept_legacy_keys
from vidrun.models.pretrained import read_weights
from vidrun.models.registries import BACKBONES
from vidrun.models.weight_init import constant_init, init_conv_and_norm
from vidrun.runner.checkpoint import load_state_dict

_log = logging.getLogger("vidrun")


ARCH_SETTINGS = {18: (BasicBlock3d, (2, 2, 2, 2)), 34: (BasicBlock3d, (3, 4, 6, 3)),
                 50: (Bottleneck3d, (3, 4, 6, 3)), 101: (Bottleneck3d, (3, 4, 23, 3)),
                 152: (Bottleneck3d, (3, 8, 36, 3))}


def _per_block(value, stage_blocks: Sequence[int], name: str, owner: str = "ResNet3d") -> list[tuple[bool, ...]]:
    """`inflate` / `non_local` as one flag per block of each stage: an int for everything, or per stage an int
    (all its blocks) or a sequence with one entry per block. Entries past the last stage are ignored."""
    per_stage = [value] * len(stage_blocks) if isinstance(value, int) else list(value)
    if len(per_stage) < len(stage_blocks):
        raise ValueError(f"{owner}: {name}={value!r} has {len(per_stage)} entries for {len(stage_blocks)} stages")
    flags = []
    for i, (entry, blocks) in enumerate(zip(per_stage, stage_blocks)):
        entry = (entry,) * blocks if isinstance(entry, int) else tuple(entry)
        if len(entry) != blocks:
            raise ValueError(f"{owner}: {name}[{i}]={entry!r} has {len(entry)} entries but layer{i + 1} has "
                             f"{blocks} blocks")
        flags.append(tuple(bool(e) for e in entry))
    return flags


def _check(depth: int, num_stages: int, stage_blocks, per_stage: dict, out_indices: Sequence[int],
           choices: dict, arch: dict | None = None) -> tuple[type, tuple[int, ...]]:
    """The block class and blocks per stage, or a ValueError naming the first bad argument."""
    arch = ARCH_SETTINGS if arch is None else arch
    if depth not in arch:
        raise ValueError(f"ResNet3d: depth={depth!r} is not supported; choose one of {sorted(arch)}")
    if not 1 <= num_stages <= 4:
        raise ValueError(f"ResNet3d: num_stages={num_stages!r} must be 1 to 4")
    block, default_blocks = arch[depth]
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
    `non_local` (flags per block, as `inflate`) puts a `NonLocal3d(**non_local_cfg)` after those blocks (keys
    `layerK.i.non_local_block.*`); from scratch it is initialised as the rest (Kaiming, norms 1), as in
    MMAction2."""

    arch_settings = ARCH_SETTINGS  # depth → (block class, blocks per stage); subclasses give their own

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
                 frozen_stages=(frozen_stages, tuple(range(-1, num_stages + 1)))), self.arch_settings)
        non_local_flags = _per_block(non_local, self.stage_blocks, "non_local")
        if pretrained is not None and not isinstance(pretrained, str):
            raise TypeError(f"ResNet3d: pretrained must be a path or None, not {pretrained!r}")
        self.depth, self.pretrained, self.pretrained2d = depth, pretrained, pretrained2d
        self.out_indices, self.frozen_stages = tuple(out_indices), frozen_stages
        self.norm_eval, self.zero_init_residual = norm_eval, zero_init_residual
        self.style, self.inflate_style = style, inflate_style
        self.conv_cfg = dict(conv_cfg or {"type": "Conv3d"})
        self.norm_cfg = dict(norm_cfg or {"type": "BN3d", "requires_grad": True})
        self.act_cfg = dict(act_cfg or {"type": "ReLU", "inplace": True})
        self.with_cp, self.non_local_cfg = with_cp, dict(non_local_cfg or {})
        self._make_stem(in_channels, base_channels, tuple(conv1_kernel), (conv1_stride_t, conv1_stride_s),
                        (pool1_stride_t, pool1_stride_s) if with_pool1 else None)
        self.pool2 = nn.MaxPool3d((2, 1, 1), (2, 1, 1)) if with_pool2 else nn.Identity()
        self.res_layers = [f"layer{i + 1}" for i in range(num_stages)]
        inplanes = base_channels
        for i, flags in enumerate(_per_block(inflate, self.stage_blocks, "inflate")):
            planes = base_channels * 2 ** i
            self.add_module(self.res_layers[i], self.make_res_layer(
                inplanes, planes, flags, spatial_strides[i], temporal_strides[i], dilations[i],
                non_local_flags[i]))
            inplanes = planes * self.block.expansion
        self.feat_dim = inplanes
        self._freeze_stages()
        accept_legacy_keys(self)

    def _make_stem(self, in_channels: int, channels: int, kernel: tuple, conv_stride: tuple,
                   pool_stride: tuple | None) -> None:
        """conv1 (ConvModule: conv padded by (k - 1) // 2, norm, activation) → maxpool (1,3,3) padded (0,1,1);
        strides given as (temporal, spatial)."""
        conv_t, conv_s = conv_stride
        self.conv1 = ConvModule(in_channels, channels, kernel, (conv_t, conv_s, conv_s),
                                tuple((k - 1) // 2 for k in kernel), bias=False, dims=3, **self._cfgs())
        self.maxpool = (nn.MaxPool3d((1, 3, 3), (pool_stride[0], pool_stride[1], pool_stride[1]), (0, 1, 1))
                        if pool_stride else nn.Identity())

    def block_options(self) -> dict:
        """Extra keyword arguments for every block (none here; CSN adds its `bottleneck_mode`)."""
        return {}

    def _cfgs(self) -> dict:
        return dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)

    def make_res_layer(self, inplanes: int, planes: int, inflate: Sequence[bool], spatial_stride: int,
                       temporal_stride: int, dilation: int,
                       non_local: Sequence[bool] | None = None) -> nn.Sequential:
        """One stage of `len(inflate)` blocks; the first one strides, and projects the shortcut (a ConvModule
        without activation: `downsample.conv`, `downsample.bn`) when the strides or the channel count change.
        Blocks flagged in `non_local` end with a `NonLocal3d` of `non_local_cfg`."""
        block, out_planes = self.block, planes * self.block.expansion
        # MMAction2 ignores temporal_stride here, which breaks the sum for a temporal-only stride.
        downsample = None if (spatial_stride, temporal_stride, inplanes) == (1, 1, out_planes) else ConvModule(
            inplanes, out_planes, 1, (temporal_stride, spatial_stride, spatial_stride), bias=False, dims=3,
            conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=None)
        non_local = tuple(non_local or (False,) * len(inflate))
        options = dict(style=self.style, inflate_style=self.inflate_style, with_cp=self.with_cp,
                       non_local_cfg=self.non_local_cfg, **self._cfgs(), **self.block_options())
        blocks = [block(inplanes, planes, spatial_stride, temporal_stride, dilation, downsample,
                        inflate=inflate[0], non_local=non_local[0], **options)]
        blocks += [block(out_planes, planes, 1, 1, dilation, None, inflate=flag, non_local=nl, **options)
                   for flag, nl in zip(inflate[1:], non_local[1:])]
        return nn.Sequential(*blocks)

    def init_weights(self) -> None:
        """Initialise from scratch, then load `pretrained` over it when it is set (see the class docstring)."""
        init_conv_and_norm(self)
        if self.zero_init_residual:
            for module in self.modules():
                if isinstance(module, Residual3d):
                    constant_init(getattr(module, module.last).norm, 0.0)
        owner = type(self).__name__
        if self.pretrained is not None and self.pretrained2d:
            inflate_from_file(self, self.pretrained, owner)
        elif self.pretrained is not None:
            load_state_dict(self, read_weights(self.pretrained, owner), logger=_log, source=self.pretrained)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        if x.dim() != 5:
            raise ValueError(f"{type(self).__name__} expects clips [N, C, T, H, W], got shape {tuple(x.shape)}")
        x = self.maxpool(self.conv1(x))
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
        freeze(([self.conv1] if self.frozen_stages >= 0 else []) + [
            getattr(self, f"layer{i}") for i in range(1, self.frozen_stages + 1)])

    def train(self, mode: bool = True) -> ResNet3d:
        """As nn.Module.train, keeping frozen stages in eval mode, and every norm layer too with `norm_eval`."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            norms_to_eval(self)
        return self
