"""SlowFast (Feichtenhofer et al. 2019, "SlowFast Networks for Video Recognition") as MMAction2 0.x's
`ResNet3dSlowFast`: two `ResNet3dPathway`s over the same clip, the slow one at `1 / resample_rate` of its frames,
the fast one at `speed_ratio` times that rate with `1 / channel_ratio` of the channels, joined by lateral
connections from fast to slow after the stem and after every stage but the last.

Keys are MMAction2's: `slow_path.*` / `fast_path.*` (each a `ResNet3d`: `conv1.conv`, `layerK.i.convJ.conv`,
...), and on the slow pathway `conv1_lateral.conv`, `layer1_lateral.conv` ... `layer3_lateral.conv` (a
`fusion_kernel`×1×1 convolution with temporal stride `speed_ratio`, no bias; with `lateral_norm` also a norm and
an activation). A lateral's output is concatenated to the slow features, so the first block of the next stage
takes `channels + 2·channels / channel_ratio` input channels.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from vidrun.models.backbones.freezing import freeze
from vidrun.models.backbones.resnet3d import ResNet3d
from vidrun.models.layers import ConvModule
from vidrun.models.registries import BACKBONES
from vidrun.models.weight_init import kaiming_init
from vidrun.runner.checkpoint import load_checkpoint

SLOW_DEFAULT = dict(type="resnet3d", depth=50, pretrained=None, lateral=True, conv1_kernel=(1, 7, 7),
                    dilations=(1, 1, 1, 1), conv1_stride_t=1, pool1_stride_t=1, inflate=(0, 0, 1, 1))
FAST_DEFAULT = dict(type="resnet3d", depth=50, pretrained=None, lateral=False, base_channels=8,
                    conv1_kernel=(5, 7, 7), conv1_stride_t=1, pool1_stride_t=1)


class ResNet3dPathway(ResNet3d):
    """A `ResNet3d` that can take lateral connections from the other pathway (MMAction2's arguments:
    `lateral`, `lateral_norm`, `speed_ratio` (α), `channel_ratio` (β), `fusion_kernel`; the rest go to
    `ResNet3d`). `ResNet3dSlowFast` runs its stem and stages; its own `pool2` is never applied, as in MMAction2."""

    def __init__(self, *args, lateral: bool = False, lateral_norm: bool = False, speed_ratio: int = 8,
                 channel_ratio: int = 8, fusion_kernel: int = 5, **kwargs):
        self.lateral, self.lateral_norm, self.speed_ratio = lateral, lateral_norm, speed_ratio
        self.channel_ratio, self.fusion_kernel = channel_ratio, fusion_kernel
        if lateral and kwargs.get("pretrained") and kwargs.get("pretrained2d", True):
            raise ValueError("ResNet3dPathway: inflating 2D weights (pretrained2d) into a pathway with lateral "
                             "connections is not supported; give ResNet3dSlowFast(pretrained=...) a SlowFast "
                             "checkpoint instead")
        super().__init__(*args, **kwargs)
        self.lateral_connections: list[str] = []
        if lateral:
            base = self.conv1.conv.out_channels
            self.conv1_lateral = self._lateral_conv(base)
            for i in range(len(self.stage_blocks) - 1):
                name = f"layer{i + 1}_lateral"
                self.add_module(name, self._lateral_conv(base * 2 ** i * self.block.expansion))
                self.lateral_connections.append(name)
            self._freeze_stages()

    def _lateral_conv(self, channels: int) -> ConvModule:
        """channels / β → 2·channels / β, kernel (fusion_kernel, 1, 1), temporal stride α."""
        return ConvModule(channels // self.channel_ratio, channels * 2 // self.channel_ratio,
                          (self.fusion_kernel, 1, 1), (self.speed_ratio, 1, 1), ((self.fusion_kernel - 1) // 2, 0, 0),
                          bias=False, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg if self.lateral_norm else None,
                          act_cfg=self.act_cfg if self.lateral_norm else None, dims=3)

    def make_res_layer(self, inplanes: int, planes: int, inflate: Sequence[bool], spatial_stride: int,
                       temporal_stride: int, dilation: int,
                       non_local: Sequence[bool] | None = None) -> nn.Sequential:
        """As `ResNet3d.make_res_layer`, the first block also taking the lateral's 2·inplanes / β channels."""
        extra = inplanes * 2 // self.channel_ratio if self.lateral else 0
        return super().make_res_layer(inplanes + extra, planes, inflate, spatial_stride, temporal_stride,
                                      dilation, non_local)

    def init_weights(self) -> None:
        """`ResNet3d.init_weights`, then Kaiming for the lateral convolutions (MMAction2's order)."""
        super().init_weights()
        for name in self.lateral_connections:
            kaiming_init(getattr(self, name).conv)

    def _freeze_stages(self) -> None:
        """As ResNet3d's, with the lateral connection after each frozen stage (but the last) frozen too."""
        super()._freeze_stages()
        laterals = getattr(self, "lateral_connections", [])
        freeze([getattr(self, laterals[i - 1]) for i in range(1, self.frozen_stages + 1) if i <= len(laterals)])


PATHWAYS = {"resnet3d": ResNet3dPathway}


def build_pathway(cfg: dict) -> ResNet3dPathway:
    """A pathway from `dict(type='resnet3d', **arguments)`; another type is a ValueError naming the known ones."""
    if not isinstance(cfg, dict) or "type" not in cfg:
        raise TypeError(f"ResNet3dSlowFast: a pathway config must be a dict with a 'type', not {cfg!r}")
    cfg = dict(cfg)
    kind = cfg.pop("type")
    if kind not in PATHWAYS:
        raise ValueError(f"ResNet3dSlowFast: pathway type {kind!r} is not one of {sorted(PATHWAYS)}")
    return PATHWAYS[kind](**cfg)


@BACKBONES.register_module()
class ResNet3dSlowFast(nn.Module):
    """Input `[N, C, T, H, W]`; output `(slow features, fast features)`.

    The slow pathway sees frames `0, τ, 2τ, ...` (τ = `resample_rate`), the fast one `0, τ/α, ...` (α =
    `speed_ratio`), both taken by nearest-neighbour interpolation over time as MMAction2 does. A lateral slow
    pathway gets `speed_ratio` and `channel_ratio` from here. `pretrained`: a local SlowFast checkpoint loaded
    strictly by `init_weights` (None: each pathway initialises itself, the fast one first)."""

    def __init__(self, pretrained: str | None = None, resample_rate: int = 8, speed_ratio: int = 8,
                 channel_ratio: int = 8, slow_pathway: dict | None = None, fast_pathway: dict | None = None):
        super().__init__()
        if resample_rate < speed_ratio or resample_rate % speed_ratio:
            raise ValueError(f"ResNet3dSlowFast: resample_rate={resample_rate} must be a multiple of "
                             f"speed_ratio={speed_ratio} (the fast pathway takes every "
                             f"resample_rate // speed_ratio-th frame)")
        self.pretrained, self.resample_rate = pretrained, resample_rate
        self.speed_ratio, self.channel_ratio = speed_ratio, channel_ratio
        slow = dict(SLOW_DEFAULT if slow_pathway is None else slow_pathway)
        if slow.get("lateral"):
            slow.update(speed_ratio=speed_ratio, channel_ratio=channel_ratio)
        self.slow_path = build_pathway(slow)
        self.fast_path = build_pathway(dict(FAST_DEFAULT if fast_pathway is None else fast_pathway))

    def init_weights(self) -> None:
        if isinstance(self.pretrained, str):
            load_checkpoint(self, self.pretrained, strict=True)
        elif self.pretrained is None:
            self.fast_path.init_weights()
            self.slow_path.init_weights()
        else:
            raise TypeError(f"ResNet3dSlowFast: pretrained must be a path or None, not {self.pretrained!r}")

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.dim() != 5:
            raise ValueError(f"ResNet3dSlowFast expects clips [N, C, T, H, W], got shape {tuple(x.shape)}")
        slow_path, fast_path = self.slow_path, self.fast_path
        slow = F.interpolate(x, mode="nearest", scale_factor=(1.0 / self.resample_rate, 1.0, 1.0))
        slow = slow_path.maxpool(slow_path.conv1(slow))
        fast = F.interpolate(x, mode="nearest", scale_factor=(1.0 / (self.resample_rate // self.speed_ratio), 1.0,
                                                              1.0))
        fast = fast_path.maxpool(fast_path.conv1(fast))
        if slow_path.lateral:
            slow = torch.cat((slow, slow_path.conv1_lateral(fast)), dim=1)
        for i, name in enumerate(slow_path.res_layers):
            slow = getattr(slow_path, name)(slow)
            fast = getattr(fast_path, name)(fast)
            if slow_path.lateral and i < len(slow_path.res_layers) - 1:
                slow = torch.cat((slow, getattr(slow_path, slow_path.lateral_connections[i])(fast)), dim=1)
        return slow, fast
