"""`TPN`: the Temporal Pyramid Network neck (Yang et al., 2020), as MMAction2 0.24 builds it.

It takes the features of several backbone stages as [N, C_i, T, H_i, W_i] and returns one fused map
[N, 2048, T', H', W'] and, in training, an auxiliary loss. The stages in order:

1. spatial modulation: every level but the deepest gets strided 1×3×3 convolutions (channels doubling each
   time) up to the deepest level's channels and size;
2. temporal modulation: a grouped 3×1×1 convolution to `out_channels`, then max pooling over time by the
   level's `downsample_scales` entry;
3. a top-down flow (each level plus the upsampled deeper one) fused by `level_fusion_1`, and a bottom-up flow
   (each level plus the downsampled shallower one; from the top-down sums for 'cascade', from the modulated
   features for 'parallel') fused by `level_fusion_2`;
4. `pyramid_fusion`: both fusions concatenated, a 1×1×1 convolution to 2048 channels, BN, ReLU.

`AuxHead` classifies the second-deepest stage's input features for the auxiliary loss `loss_aux`.
Module and parameter names are MMAction2's (they are state-dict keys).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from vidrun.models.layers import ConvModule
from vidrun.models.registries import LOSSES, NECKS
from vidrun.models.weight_init import constant_init, normal_init
from vidrun.registry import build_from_cfg

_CONV3D = dict(type="Conv3d")
_BN3D = dict(type="BN3d", requires_grad=True)
_RELU = dict(type="ReLU", inplace=True)


def xavier_uniform_init(module: nn.Module) -> None:
    """mmcv's `xavier_init(m, distribution='uniform')`: Xavier-uniform weight (gain 1), zero bias."""
    nn.init.xavier_uniform_(module.weight)
    if module.bias is not None:
        nn.init.constant_(module.bias, 0)


def init_tpn_weights(model: nn.Module) -> None:
    """Xavier-uniform for every Conv3d, weight 1 / bias 0 for every BatchNorm3d (TPN's own init)."""
    for module in model.modules():
        if isinstance(module, nn.Conv3d):
            xavier_uniform_init(module)
        elif isinstance(module, nn.BatchNorm3d):
            constant_init(module, 1)


class DownSample(nn.Module):
    """A `ConvModule` (`conv`) and a max pooling (`pool`, kernel = stride = `downsample_scale`, ceil mode), the
    pooling first when `downsample_position='before'`."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size=(3, 1, 1), stride=(1, 1, 1),
                 padding=(1, 0, 0), groups: int = 1, bias: bool | str = False, conv_cfg: dict | None = _CONV3D,
                 norm_cfg: dict | None = None, act_cfg: dict | None = None, downsample_position: str = "after",
                 downsample_scale=(1, 2, 2)):
        super().__init__()
        if downsample_position not in ("before", "after"):
            raise ValueError(f"DownSample: downsample_position must be 'before' or 'after', "
                             f"got {downsample_position!r}")
        self.conv = ConvModule(in_channels, out_channels, kernel_size, stride, padding, groups=groups, bias=bias,
                               conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg, dims=3)
        self.downsample_position = downsample_position
        self.pool = nn.MaxPool3d(downsample_scale, downsample_scale, (0, 0, 0), ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.downsample_position == "before":
            return self.conv(self.pool(x))
        return self.pool(self.conv(x))


class LevelFusion(nn.Module):
    """Each level through its own `DownSample` (pool first; grouped 1×1×1 conv, BN, ReLU), concatenated on
    channels, then `fusion_conv` (1×1×1, BN, ReLU) to `out_channels`."""

    def __init__(self, in_channels: Sequence[int], mid_channels: Sequence[int], out_channels: int,
                 downsample_scales=((1, 1, 1), (1, 1, 1))):
        super().__init__()
        self.downsamples = nn.ModuleList(
            DownSample(cin, cmid, kernel_size=(1, 1, 1), stride=(1, 1, 1), bias=False, padding=(0, 0, 0),
                       groups=32, norm_cfg=_BN3D, act_cfg=_RELU, downsample_position="before",
                       downsample_scale=scale)
            for cin, cmid, scale in zip(in_channels, mid_channels, downsample_scales))
        self.fusion_conv = ConvModule(sum(mid_channels), out_channels, 1, stride=1, padding=0, bias=False,
                                      conv_cfg=_CONV3D, norm_cfg=_BN3D, act_cfg=_RELU, dims=3)

    def forward(self, x: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.fusion_conv(torch.cat([down(feature) for down, feature in zip(self.downsamples, x)], 1))


class SpatialModulation(nn.Module):
    """Per level, log2(out_channels / channels) strided 1×3×3 ConvModules (channels doubling each time); a
    level already at `out_channels` is passed through (`nn.Identity`, no parameters)."""

    def __init__(self, in_channels: Sequence[int], out_channels: int):
        super().__init__()
        self.spatial_modulation = nn.ModuleList()
        for channels in in_channels:
            steps = int(math.log2(out_channels // channels))
            if steps < 1:
                self.spatial_modulation.append(nn.Identity())
                continue
            self.spatial_modulation.append(nn.ModuleList(
                ConvModule(channels * 2 ** i, channels * 2 ** (i + 1), (1, 3, 3), stride=(1, 2, 2),
                           padding=(0, 1, 1), bias=False, conv_cfg=_CONV3D, norm_cfg=_BN3D, act_cfg=_RELU, dims=3)
                for i in range(steps)))

    def forward(self, x: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        outs = []
        for ops, feature in zip(self.spatial_modulation, x):
            for op in (ops if isinstance(ops, nn.ModuleList) else [ops]):
                feature = op(feature)
            outs.append(feature)
        return outs


class AuxHead(nn.Module):
    """The auxiliary classifier: a strided 1×3×3 ConvModule doubling the channels (BN and ReLU), global average
    pooling, dropout 0.5, `fc`; `loss_aux = loss_weight · loss_cls(scores, target)`. Without a target (test
    mode) it computes nothing and returns no loss."""

    def __init__(self, in_channels: int, out_channels: int, loss_weight: float = 0.5, loss_cls: dict | None = None):
        super().__init__()
        self.conv = ConvModule(in_channels, in_channels * 2, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1),
                               bias=False, conv_cfg=_CONV3D, norm_cfg=_BN3D, dims=3)
        self.avg_pool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.loss_weight = loss_weight
        self.dropout = nn.Dropout(p=0.5)
        self.fc = nn.Linear(in_channels * 2, out_channels)
        self.loss_cls = build_from_cfg(dict(loss_cls or dict(type="CrossEntropyLoss")), LOSSES)

    def init_weights(self) -> None:
        for module in self.modules():
            if isinstance(module, nn.Linear):
                normal_init(module, std=0.01)
        init_tpn_weights(self)

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        if target is None:
            return {}
        scores = self.fc(self.dropout(self.avg_pool(self.conv(x)).flatten(1)))
        target = target.reshape(1) if target.dim() == 0 else target
        return {"loss_aux": self.loss_weight * self.loss_cls(scores, target)}


class TemporalModulation(nn.Module):
    """A grouped (32) 3×1×1 convolution without bias, norm or activation, then max pooling over time
    by `downsample_scale` (ceil mode)."""

    def __init__(self, in_channels: int, out_channels: int, downsample_scale: int = 8):
        super().__init__()
        self.conv = ConvModule(in_channels, out_channels, (3, 1, 1), stride=(1, 1, 1), padding=(1, 0, 0),
                               bias=False, groups=32, conv_cfg=_CONV3D, act_cfg=None, dims=3)
        self.pool = nn.MaxPool3d((downsample_scale, 1, 1), (downsample_scale, 1, 1), (0, 0, 0), ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv(x))


@NECKS.register_module()
class TPN(nn.Module):
    """`forward(x, target=None)` takes one feature map per level (shallow to deep, [N, C_i, T, H_i, W_i]) and
    returns `(fused [N, 2048, T', H', W'], {'loss_aux': ...} or {})`; `target` (the labels) is given in
    training only. `upsample_cfg` holds `nn.Upsample`'s arguments, `downsample_cfg` `DownSample`'s,
    `temporal_modulation_cfg` the per-level `downsample_scales`; `aux_head_cfg=None` leaves the auxiliary
    head out. The deepest level's channels feed every temporal modulation (after spatial modulation all levels
    have them)."""

    def __init__(self, in_channels: tuple, out_channels: int, spatial_modulation_cfg: dict | None = None,
                 temporal_modulation_cfg: dict | None = None, upsample_cfg: dict | None = None,
                 downsample_cfg: dict | None = None, level_fusion_cfg: dict | None = None,
                 aux_head_cfg: dict | None = None, flow_type: str = "cascade"):
        super().__init__()
        _check_args(in_channels, out_channels, spatial_modulation_cfg, level_fusion_cfg, flow_type)
        self.in_channels, self.out_channels = tuple(in_channels), out_channels
        self.num_tpn_stages, self.flow_type = len(in_channels), flow_type
        levels = range(self.num_tpn_stages)
        scales = (temporal_modulation_cfg or {}).get("downsample_scales")
        self.temporal_modulation_ops = nn.ModuleList(
            [] if temporal_modulation_cfg is None else
            [TemporalModulation(in_channels[-1], out_channels, scales[i]) for i in levels])
        self.upsample_ops = nn.ModuleList(
            [] if upsample_cfg is None else [nn.Upsample(**_tuples(upsample_cfg)) for _ in levels[:-1]])
        self.downsample_ops = nn.ModuleList(
            [] if downsample_cfg is None else
            [DownSample(out_channels, out_channels, **downsample_cfg) for _ in levels[:-1]])
        # Registered in MMAction2's order (the state dict's): the per-level lists, then the fusions.
        self.level_fusion_1 = LevelFusion(**level_fusion_cfg)
        self.spatial_modulation = SpatialModulation(**spatial_modulation_cfg)
        self.level_fusion_2 = LevelFusion(**level_fusion_cfg)
        self.pyramid_fusion = ConvModule(level_fusion_cfg["out_channels"] * 2, 2048, 1, stride=1, padding=0,
                                         bias=False, conv_cfg=_CONV3D, norm_cfg=_BN3D, dims=3)
        self.aux_head = None if aux_head_cfg is None else AuxHead(self.in_channels[-2], **aux_head_cfg)
        self.init_weights()

    def init_weights(self) -> None:
        init_tpn_weights(self)
        if self.aux_head is not None:
            self.aux_head.init_weights()

    def forward(self, x: Sequence[torch.Tensor], target: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        loss_aux = {} if self.aux_head is None else self.aux_head(x[-2], target)
        modulated = [op(feature) for op, feature in zip(self.temporal_modulation_ops, self.spatial_modulation(x))]
        outs = [out.clone() for out in modulated]
        if len(self.upsample_ops):
            for i in range(self.num_tpn_stages - 1, 0, -1):
                outs[i - 1] = outs[i - 1] + self.upsample_ops[i - 1](outs[i])
        top_down = self.level_fusion_1(outs)
        if self.flow_type == "parallel":
            outs = [out.clone() for out in modulated]
        if len(self.downsample_ops):
            for i in range(self.num_tpn_stages - 1):
                outs[i + 1] = outs[i + 1] + self.downsample_ops[i](outs[i])
        bottom_up = self.level_fusion_2(outs)
        return self.pyramid_fusion(torch.cat([top_down, bottom_up], 1)), loss_aux


def _tuples(cfg: dict) -> dict:
    """Lists as tuples (a config read from JSON has lists; `nn.Upsample` takes a tuple `scale_factor` only)."""
    return {key: tuple(value) if isinstance(value, list) else value for key, value in cfg.items()}


def _check_args(in_channels, out_channels, spatial_modulation_cfg, level_fusion_cfg, flow_type) -> None:
    if not isinstance(in_channels, (tuple, list)) or len(in_channels) < 2:
        raise ValueError(f"TPN: in_channels must be a tuple of at least two levels' channels, got {in_channels!r}")
    if not isinstance(out_channels, int):
        raise ValueError(f"TPN: out_channels must be an int, got {out_channels!r}")
    for name, cfg in (("spatial_modulation_cfg", spatial_modulation_cfg), ("level_fusion_cfg", level_fusion_cfg)):
        if not isinstance(cfg, dict):
            raise ValueError(f"TPN: {name} is required (a dict), got {cfg!r}")
    if flow_type not in ("cascade", "parallel"):
        raise ValueError(f"TPN: flow_type must be 'cascade' or 'parallel', got {flow_type!r}")
