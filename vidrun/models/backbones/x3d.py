"""X3D (Feichtenhofer 2020, "X3D: Expanding Architectures for Efficient Video Recognition") as MMAction2 builds it.

A 1×3×3 stride-2 stem conv and a depthwise 5×1×1 temporal conv, four stages of bottleneck blocks (1×1×1 →
depthwise 3×3×3 → 1×1×1, squeeze-excitation on every other block, Swish after the depthwise conv), then conv5,
a 1×1×1 conv to `gamma_b` times the last width. Widths start at 24 (scaled by `gamma_w`, rounded to multiples
of 8) and double each stage; the stages hold [1, 2, 5, 3] blocks scaled by `gamma_d` (rounded up); a block's
inner width is `gamma_b` times its stage width. X3D-S (`gamma_w=1, gamma_b=2.25, gamma_d=2.2`): 432 output
channels at 1/32 of the spatial size, T unchanged. Module names follow MMAction2 (`conv1_s.conv`,
`layerK.i.conv1.conv` / `.bn`, `se_module.fc1`, `conv5.bn`), so its X3D checkpoints load as they are.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from vidrun.models.layers import ConvModule, build_activation_layer
from vidrun.models.pretrained import load_pretrained
from vidrun.models.backbones.freezing import freeze, norms_to_eval
from vidrun.models.registries import BACKBONES
from vidrun.models.weight_init import constant_init, init_conv_and_norm

_log = logging.getLogger("vidrun")


def round_width(width: float, multiplier: float, min_width: int = 8, divisor: int = 8) -> int:
    """`width × multiplier` rounded to a multiple of `divisor` (at least `min_width`, never below 90 % of the
    exact value), as X3D and its SE bottleneck size channels."""
    width *= multiplier
    rounded = max(min_width, int(width + divisor / 2) // divisor * divisor)
    return int(rounded + divisor if rounded < 0.9 * width else rounded)


class SEModule(nn.Module):
    """Squeeze-excitation: channels rescaled by sigmoid(fc2(relu(fc1(mean over T, H, W))))."""

    def __init__(self, channels: int, reduction: float):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool3d(1)
        self.bottleneck = round_width(channels, reduction)
        self.fc1 = nn.Conv3d(channels, self.bottleneck, kernel_size=1)
        self.relu = nn.ReLU()
        self.fc2 = nn.Conv3d(self.bottleneck, channels, kernel_size=1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.sigmoid(self.fc2(self.relu(self.fc1(self.avg_pool(x)))))


class BlockX3D(nn.Module):
    """conv1 1×1×1 (norm, act) → conv2 depthwise 3×3×3 with the spatial stride (norm) → SE (optional) → Swish
    → conv3 1×1×1 (norm), plus the shortcut, then act. `use_swish=False` puts the `act_cfg` activation where
    Swish was (MMAction2 applies Swish whatever `use_swish` says; the default True is the same network)."""

    def __init__(self, inplanes: int, planes: int, outplanes: int, spatial_stride: int = 1,
                 downsample: nn.Module | None = None, se_ratio: float | None = None, use_swish: bool = True,
                 layer_cfgs: dict | None = None, with_cp: bool = False):
        super().__init__()
        cfgs = {"conv_cfg": {"type": "Conv3d"}, "norm_cfg": {"type": "BN3d"}, "act_cfg": {"type": "ReLU"},
                **(layer_cfgs or {})}
        act_cfg = cfgs.pop("act_cfg")
        common = dict(bias=False, dims=3, **cfgs)
        self.downsample = downsample  # registered first, as in MMAction2: its keys lead each block's
        self.conv1 = ConvModule(inplanes, planes, 1, act_cfg=act_cfg, **common)
        self.conv2 = ConvModule(planes, planes, 3, stride=(1, spatial_stride, spatial_stride), padding=1,
                                groups=planes, act_cfg=None, **common)
        self.swish = build_activation_layer({"type": "Swish"} if use_swish else act_cfg)
        self.conv3 = ConvModule(planes, outplanes, 1, act_cfg=None, **common)
        self.se_module = SEModule(planes, se_ratio) if se_ratio is not None else None
        self.relu = build_activation_layer(act_cfg)
        self.with_cp = with_cp

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.conv1(x))
        if self.se_module is not None:
            out = self.se_module(out)
        out = self.conv3(self.swish(out))
        return out + (x if self.downsample is None else self.downsample(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.with_cp and x.requires_grad:
            return self.relu(checkpoint(self._residual, x, use_reentrant=False))
        return self.relu(self._residual(x))


@BACKBONES.register_module()
class X3D(nn.Module):
    """X3D backbone (MMAction2 0.x arguments): `[N, C, T, H, W]` → `[N, feat_dim, T, H/32, W/32]` with the
    default strides. `se_style` 'half' puts SE on blocks 0, 2, 4... of each stage, 'all' on every block;
    `se_ratio=None` disables it. `conv_cfg` / `norm_cfg` / `act_cfg` of None mean Conv3d / BN3d / ReLU.
    `init_weights()`: Kaiming / constant init (with `zero_init_residual`, each block's conv3 norm weight 0),
    then `pretrained` (a local 3D checkpoint) loaded over it; there is no 2D inflation for X3D."""

    def __init__(self, gamma_w: float = 1.0, gamma_b: float = 2.25, gamma_d: float = 2.2,
                 pretrained: str | None = None, in_channels: int = 3, num_stages: int = 4,
                 spatial_strides: Sequence[int] = (2, 2, 2, 2), frozen_stages: int = -1, se_style: str = "half",
                 se_ratio: float | None = 1 / 16, use_swish: bool = True, conv_cfg: dict | None = None,
                 norm_cfg: dict | None = None, act_cfg: dict | None = None, norm_eval: bool = False,
                 with_cp: bool = False, zero_init_residual: bool = True):
        super().__init__()
        _check(pretrained, num_stages, spatial_strides, frozen_stages, se_style, se_ratio)
        self.pretrained, self.frozen_stages = pretrained, frozen_stages
        self.norm_eval, self.zero_init_residual = norm_eval, zero_init_residual
        self.base_channels = round_width(24, gamma_w) if gamma_w else 24
        self.stage_blocks = [int(math.ceil(gamma_d * n)) if gamma_d else n for n in (1, 2, 5, 3)][:num_stages]
        cfgs = dict(conv_cfg=conv_cfg or {"type": "Conv3d"},
                    norm_cfg=norm_cfg or {"type": "BN3d", "requires_grad": True},
                    act_cfg=act_cfg or {"type": "ReLU", "inplace": True})
        self._make_stem(in_channels, cfgs)
        self.res_layers: list[str] = []
        layer_inplanes = self.base_channels
        for i, blocks in enumerate(self.stage_blocks):
            inplanes = self.base_channels * 2 ** i
            self.add_module(f"layer{i + 1}", self._make_res_layer(
                layer_inplanes, inplanes, int(inplanes * gamma_b), blocks, spatial_strides[i],
                dict(se_style=se_style, se_ratio=se_ratio, use_swish=use_swish, with_cp=with_cp), cfgs))
            self.res_layers.append(f"layer{i + 1}")
            layer_inplanes = inplanes
        self.feat_dim = int(layer_inplanes * gamma_b)
        self.conv5 = ConvModule(layer_inplanes, self.feat_dim, 1, bias=False, dims=3, **cfgs)
        self._freeze_stages()

    def _make_stem(self, in_channels: int, cfgs: dict) -> None:
        """conv1_s: a 1×3×3 stride-(1,2,2) conv alone (no norm, no activation); conv1_t: a depthwise 5×1×1
        ConvModule."""
        self.conv1_s = ConvModule(in_channels, self.base_channels, (1, 3, 3), (1, 2, 2), (0, 1, 1), bias=False,
                                  dims=3, conv_cfg=cfgs["conv_cfg"], norm_cfg=None, act_cfg=None)
        self.conv1_t = ConvModule(self.base_channels, self.base_channels, (5, 1, 1), padding=(2, 0, 0),
                                  groups=self.base_channels, bias=False, dims=3, **cfgs)

    @staticmethod
    def _make_res_layer(layer_inplanes: int, inplanes: int, planes: int, blocks: int, spatial_stride: int,
                        options: dict, cfgs: dict) -> nn.Sequential:
        """`blocks` blocks from `layer_inplanes` to `inplanes` channels (inner width `planes`)."""
        downsample = None
        if spatial_stride != 1 or layer_inplanes != inplanes:
            downsample = ConvModule(layer_inplanes, inplanes, 1, stride=(1, spatial_stride, spatial_stride),
                                    bias=False, dims=3, conv_cfg=cfgs["conv_cfg"], norm_cfg=cfgs["norm_cfg"],
                                    act_cfg=None)
        se_ratio, layer = options["se_ratio"], []
        for i in range(blocks):
            with_se = options["se_style"] == "all" or i % 2 == 0
            layer.append(BlockX3D(layer_inplanes if i == 0 else inplanes, planes, inplanes,
                                  spatial_stride if i == 0 else 1, downsample if i == 0 else None,
                                  se_ratio if with_se else None, options["use_swish"], cfgs, options["with_cp"]))
        return nn.Sequential(*layer)

    def init_weights(self) -> None:
        """Initialise from scratch, then load `pretrained` (a local file) over it when it is set."""
        init_conv_and_norm(self)
        if self.zero_init_residual:
            for module in self.modules():
                if isinstance(module, BlockX3D):
                    constant_init(module.conv3.bn, 0.0)
        if self.pretrained is not None:
            load_pretrained(self, self.pretrained, type(self).__name__, logger=_log)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 5:
            raise ValueError(f"X3D expects clips [N, C, T, H, W], got shape {tuple(x.shape)}")
        x = self.conv1_t(self.conv1_s(x))
        for name in self.res_layers:
            x = getattr(self, name)(x)
        return self.conv5(x)

    def _freeze_stages(self) -> None:
        """Stem (frozen_stages >= 0) and layer1..layer{frozen_stages}: eval mode, parameters without grad."""
        freeze(([self.conv1_s, self.conv1_t] if self.frozen_stages >= 0 else []) + [
            getattr(self, f"layer{i}") for i in range(1, self.frozen_stages + 1)])

    def train(self, mode: bool = True) -> X3D:
        """As nn.Module.train, keeping frozen stages in eval mode, and every norm layer too with `norm_eval`."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            norms_to_eval(self)
        return self


def _check(pretrained, num_stages: int, spatial_strides: Sequence[int], frozen_stages: int, se_style: str,
           se_ratio: float | None) -> None:
    """A ValueError (TypeError for `pretrained`) naming the first bad argument of X3D."""
    if pretrained is not None and not isinstance(pretrained, str):
        raise TypeError(f"X3D: pretrained must be a path or None, not {pretrained!r}")
    if not 1 <= num_stages <= 4:
        raise ValueError(f"X3D: num_stages={num_stages!r} must be 1 to 4")
    if len(spatial_strides) != num_stages:
        raise ValueError(f"X3D: spatial_strides={spatial_strides!r} needs one entry per stage "
                         f"(num_stages={num_stages})")
    if not -1 <= frozen_stages <= num_stages:
        raise ValueError(f"X3D: frozen_stages={frozen_stages!r} must be -1 to num_stages={num_stages}")
    if se_style not in ("half", "all"):
        raise ValueError(f"X3D: se_style={se_style!r} is not one of ('half', 'all')")
    if se_ratio is not None and not se_ratio > 0:
        raise ValueError(f"X3D: se_ratio={se_ratio!r} must be positive, or None for no SE")
