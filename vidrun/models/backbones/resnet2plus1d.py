"""R(2+1)D (Tran et al. 2018) as MMAction2 0.x's `ResNet2Plus1d`: a `ResNet3d` whose every convolution is a
`Conv2plus1d` (`conv_cfg=dict(type='Conv2plus1d')`, required), trained from scratch (`pretrained2d=False`).

Keys: `conv1.conv.conv_s.weight`, `conv1.conv.bn_s.*`, `conv1.conv.conv_t.weight`, `conv1.bn.*`,
`layerK.i.convJ.conv.conv_s.weight`, ..., `layerK.i.downsample.conv.conv_s.weight`, ... As in MMAction2, the
forward pass runs the stem and the stages only: `pool2` is never applied, whatever `with_pool2` says.
"""
from __future__ import annotations

import torch

from vidrun.models.backbones.resnet3d import ResNet3d
from vidrun.models.layers.conv2plus1d import Conv2plus1d  # noqa: F401 - registers the conv type
from vidrun.models.registries import BACKBONES


@BACKBONES.register_module()
class ResNet2Plus1d(ResNet3d):
    """`ResNet3d` arguments; `pretrained2d` must be False and `conv_cfg` must name 'Conv2plus1d' (ValueErrors
    otherwise, where MMAction2 asserts)."""

    def __init__(self, *args, **kwargs):
        if kwargs.get("pretrained2d", True) is not False:
            raise ValueError("ResNet2Plus1d: set pretrained2d=False (2D weights cannot be inflated into "
                             "(2+1)D convolutions)")
        if (kwargs.get("conv_cfg") or {}).get("type") != "Conv2plus1d":
            raise ValueError(f"ResNet2Plus1d: conv_cfg must be dict(type='Conv2plus1d'), not "
                             f"{kwargs.get('conv_cfg')!r}")
        super().__init__(*args, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 5:
            raise ValueError(f"ResNet2Plus1d expects clips [N, C, T, H, W], got shape {tuple(x.shape)}")
        x = self.maxpool(self.conv1(x))
        for name in self.res_layers:
            x = getattr(self, name)(x)
        return x
