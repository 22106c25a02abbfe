"""SlowOnly (Feichtenhofer et al. 2019, "SlowFast Networks for Video Recognition"): the slow pathway alone."""
from __future__ import annotations

from collections.abc import Sequence

from vidrun.models.backbones.resnet3d import ResNet3d
from vidrun.models.registries import BACKBONES


@BACKBONES.register_module()
class ResNet3dSlowOnly(ResNet3d):
    """ResNet3d with a 1-frame stem, no temporal pooling (no pool2) and inflated blocks in layer3 and layer4
    only — MMAction2's defaults. `lateral`, `lateral_norm`, `speed_ratio`, `channel_ratio` and
    `fusion_kernel` belong to SlowFast's pathway (MMAction2 derives SlowOnly from it); SlowOnly has no lateral
    connections, so `lateral` must be False and the others change nothing."""

    def __init__(self, depth: int, pretrained: str | None = None, lateral: bool = False,
                 conv1_kernel: Sequence[int] = (1, 7, 7), conv1_stride_t: int = 1, pool1_stride_t: int = 1,
                 inflate=(0, 0, 1, 1), with_pool2: bool = False, lateral_norm: bool = False, speed_ratio: int = 8,
                 channel_ratio: int = 8, fusion_kernel: int = 5, **kwargs):
        if lateral:
            raise ValueError("ResNet3dSlowOnly: lateral=True (SlowFast's lateral connections) is not supported; "
                             "set lateral=False")
        super().__init__(depth, pretrained, conv1_kernel=conv1_kernel, conv1_stride_t=conv1_stride_t,
                         pool1_stride_t=pool1_stride_t, inflate=inflate, with_pool2=with_pool2, **kwargs)
        self.lateral, self.lateral_norm, self.speed_ratio = lateral, lateral_norm, speed_ratio
        self.channel_ratio, self.fusion_kernel = channel_ratio, fusion_kernel
