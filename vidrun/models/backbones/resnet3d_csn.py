"""CSN (Tran et al. 2019, "Video Classification with Channel-Separated Convolutional Networks") as MMAction2 0.x's
`ResNet3dCSN`: a 3D ResNet-50/101/152 whose bottleneck factorises the 3×3×3 convolution by channels.

`bottleneck_mode='ir'` (interaction-reduced): conv2 is a depthwise 3×3×3 convolution (`groups=planes`), keys
`layerK.i.conv2.0.conv` / `.bn`; `'ip'` (interaction-preserved): a 1×1×1 convolution with its norm (no
activation), then the depthwise one: `conv2.0.*`, `conv2.1.*`. Defaults are MMAction2's: temporal strides
(1, 2, 2, 2), BN eps 1e-3, `inflate_style='3x3x3'`.
"""
from __future__ import annotations

from torch import nn

from vidrun.models.backbones.resnet3d import ResNet3d
from vidrun.models.layers import Bottleneck3d, ConvModule
from vidrun.models.layers.resnet3d_blocks import BN3D, CONV3D, RELU
from vidrun.models.registries import BACKBONES

BOTTLENECK_MODES = ("ip", "ir")


class CSNBottleneck3d(Bottleneck3d):
    """`Bottleneck3d` with conv2 channel-separated per `bottleneck_mode` (see the module docstring): same
    kernel, stride, padding and dilation as the plain block's conv2, `groups=planes`, the activation after it."""

    def __init__(self, inplanes: int, planes: int, *args, bottleneck_mode: str = "ir", **kwargs):
        super().__init__(inplanes, planes, *args, **kwargs)
        if bottleneck_mode not in BOTTLENECK_MODES:
            raise ValueError(f"CSNBottleneck3d: bottleneck_mode must be 'ip' or 'ir', not {bottleneck_mode!r}")
        self.bottleneck_mode = bottleneck_mode
        cfgs = dict(conv_cfg=kwargs.get("conv_cfg", CONV3D), norm_cfg=kwargs.get("norm_cfg", BN3D))
        act_cfg = kwargs.get("act_cfg", RELU)
        parts = []
        if bottleneck_mode == "ip":
            parts.append(ConvModule(planes, planes, 1, bias=False, act_cfg=None, dims=3, **cfgs))
        conv = self.conv2.conv
        parts.append(ConvModule(planes, planes, conv.kernel_size, conv.stride, conv.padding, conv.dilation,
                                groups=planes, bias=False, act_cfg=act_cfg, dims=3, **cfgs))
        self.conv2 = nn.Sequential(*parts)  # takes conv2's place: keys stay between conv1 and conv3


@BACKBONES.register_module()
class ResNet3dCSN(ResNet3d):
    """`ResNet3d` with `CSNBottleneck3d` blocks (depth 50, 101 or 152). `bn_frozen` with `norm_eval`: in
    training mode every norm layer is in eval mode and its weight and bias get no gradient (MMAction2's
    behaviour; `bn_frozen` alone changes nothing). Other arguments as `ResNet3d`."""

    arch_settings = {50: (CSNBottleneck3d, (3, 4, 6, 3)), 101: (CSNBottleneck3d, (3, 4, 23, 3)),
                     152: (CSNBottleneck3d, (3, 8, 36, 3))}

    def __init__(self, depth: int, pretrained: str | None = None, temporal_strides=(1, 2, 2, 2),
                 conv1_kernel=(3, 7, 7), conv1_stride_t: int = 1, pool1_stride_t: int = 1,
                 norm_cfg: dict | None = None, inflate_style: str = "3x3x3", bottleneck_mode: str = "ir",
                 bn_frozen: bool = False, **kwargs):
        if bottleneck_mode not in BOTTLENECK_MODES:
            raise ValueError(f"ResNet3dCSN: bottleneck_mode must be 'ip' or 'ir', not {bottleneck_mode!r}")
        self.bottleneck_mode, self.bn_frozen = bottleneck_mode, bn_frozen
        norm_cfg = dict(norm_cfg or {"type": "BN3d", "requires_grad": True, "eps": 1e-3})
        super().__init__(depth, pretrained, temporal_strides=temporal_strides, conv1_kernel=conv1_kernel,
                         conv1_stride_t=conv1_stride_t, pool1_stride_t=pool1_stride_t, norm_cfg=norm_cfg,
                         inflate_style=inflate_style, **kwargs)

    def block_options(self) -> dict:
        return {"bottleneck_mode": self.bottleneck_mode}

    def train(self, mode: bool = True) -> ResNet3dCSN:
        """As `ResNet3d.train`; with `norm_eval` and `bn_frozen` the norms' parameters are frozen as well."""
        super().train(mode)
        if mode and self.norm_eval and self.bn_frozen:
            for module in self.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    for param in module.parameters():
                        param.requires_grad = False
        return self
