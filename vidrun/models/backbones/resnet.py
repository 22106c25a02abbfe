"""2D ResNet (He et al. 2016) as MMAction2 0.x's `ResNet` backbone, with MMAction2's parameter names.

Every convolution is a `ConvModule` (`conv1.conv`, `conv1.bn`, `layer1.0.conv2.conv`, `downsample.conv`, ...), so
MMAction2's TSN checkpoints load key for key. torchvision's ImageNet files (`conv1.weight`, `bn1.*`,
`layer1.0.downsample.0.*`, ...) load too: those are the earlier names that `vidrun.models.legacy_keys` maps, and
the backbone accepts them in any `load_state_dict` (checkpoints written by an earlier vidrun included).
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from vidrun.models.layers import BasicBlock, Bottleneck, ConvModule, make_res_layer
from vidrun.models.layers.resnet_blocks import check_style
from vidrun.models.legacy_keys import accept_legacy_keys, rename_legacy_keys
from vidrun.models.pretrained import read_weights
from vidrun.models.registries import BACKBONES
from vidrun.models.weight_init import init_conv_and_norm
from vidrun.runner.checkpoint import load_state_dict

_log = logging.getLogger("vidrun")


@BACKBONES.register_module()
class ResNet(nn.Module):
    """ResNet-18/34/50/101/152 on frames `[N, C, H, W]`; `forward` returns the features of the stage in
    `out_indices` (stage i has stride 4·2^i with the default strides), or a tuple of them when there are several.

    `pretrained` is a local weights file (torchvision or MMAction2 names) read by `init_weights()`; without it
    convolutions are Kaiming-initialised and norms set to 1/0. `torchvision_pretrain` is accepted for config
    compatibility only: both naming schemes are recognised from the keys. `norm_eval` keeps every BN layer in
    eval mode while training; `frozen_stages=k` freezes the stem and stages 1..k; `partial_bn` freezes every BN
    layer but the first (TSN); `with_cp` trades compute for memory with gradient checkpointing.
    (The constructor's many parameters mirror MMAction2's, so its configs build unchanged.)
    """

    arch_settings = {18: (BasicBlock, (2, 2, 2, 2)), 34: (BasicBlock, (3, 4, 6, 3)),
                     50: (Bottleneck, (3, 4, 6, 3)), 101: (Bottleneck, (3, 4, 23, 3)),
                     152: (Bottleneck, (3, 8, 36, 3))}

    def __init__(self, depth: int, pretrained: str | None = None, torchvision_pretrain: bool = True,
                 in_channels: int = 3, num_stages: int = 4, out_indices: Sequence[int] = (3,),
                 strides: Sequence[int] = (1, 2, 2, 2), dilations: Sequence[int] = (1, 1, 1, 1),
                 style: str = "pytorch", frozen_stages: int = -1, conv_cfg: dict | None = None,
                 norm_cfg: dict | None = None, act_cfg: dict | None = None, norm_eval: bool = False,
                 partial_bn: bool = False, with_cp: bool = False):
        super().__init__()
        self._check_args(depth, num_stages, out_indices, strides, dilations, style, frozen_stages)
        self.depth, self.pretrained, self.torchvision_pretrain = depth, pretrained, torchvision_pretrain
        self.in_channels, self.num_stages, self.out_indices = in_channels, num_stages, tuple(out_indices)
        self.strides, self.dilations = tuple(strides[:num_stages]), tuple(dilations[:num_stages])
        self.style, self.frozen_stages, self.norm_eval = style, frozen_stages, norm_eval
        self.partial_bn, self.with_cp = partial_bn, with_cp
        self.conv_cfg = dict(conv_cfg or {"type": "Conv"})
        self.norm_cfg = dict(norm_cfg or {"type": "BN2d", "requires_grad": True})
        self.act_cfg = dict(act_cfg or {"type": "ReLU", "inplace": True})
        self.block, stage_blocks = self.arch_settings[depth]
        self.stage_blocks = stage_blocks[:num_stages]
        self._make_stem()
        self._make_stages()
        self.feat_dim = self.block.expansion * 64 * 2 ** (len(self.stage_blocks) - 1)
        self._freeze_stages()
        accept_legacy_keys(self)

    def _check_args(self, depth: int, num_stages: int, out_indices: Sequence[int], strides: Sequence[int],
                    dilations: Sequence[int], style: str, frozen_stages: int) -> None:
        name = type(self).__name__
        if depth not in self.arch_settings:
            raise ValueError(f"{name}: depth must be one of {sorted(self.arch_settings)}, not {depth!r}")
        if not 1 <= num_stages <= 4:
            raise ValueError(f"{name}: num_stages must be 1 to 4, not {num_stages}")
        if len(strides) < num_stages or len(dilations) < num_stages:
            raise ValueError(f"{name}: strides {tuple(strides)} and dilations {tuple(dilations)} need one "
                             f"entry for each of the {num_stages} stages")
        if not out_indices or not all(0 <= i < num_stages for i in out_indices):
            raise ValueError(f"{name}: out_indices {tuple(out_indices)} must be stage indices in "
                             f"0..{num_stages - 1}")
        check_style(style, name)
        if not -1 <= frozen_stages <= num_stages:
            raise ValueError(f"{name}: frozen_stages must be -1 (none) to {num_stages}, not {frozen_stages}")

    def _make_stem(self) -> None:
        """conv1 (a 7×7 stride-2 ConvModule: conv, norm, activation) and a 3×3 stride-2 max pool."""
        self.conv1 = ConvModule(self.in_channels, 64, 7, 2, 3, bias=False, conv_cfg=self.conv_cfg,
                                norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def _make_stages(self) -> None:
        self.res_layers: list[str] = []
        inplanes = 64
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = 64 * 2 ** i
            layer = make_res_layer(self.block, inplanes, planes, num_blocks, self.strides[i], self.dilations[i],
                                   style=self.style, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                                   act_cfg=self.act_cfg, with_cp=self.with_cp)
            self.add_module(f"layer{i + 1}", layer)
            self.res_layers.append(f"layer{i + 1}")
            inplanes = planes * self.block.expansion

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        x = self.maxpool(self.conv1(x))
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def init_weights(self) -> None:
        """Load `pretrained` (a local file; a download address is a ValueError saying how to get a file),
        reporting missing and unexpected keys on the 'vidrun' logger; without it, Kaiming and constant init."""
        if isinstance(self.pretrained, str):
            owner = f"{type(self).__name__}.pretrained"
            state_dict = self.convert_weights(read_weights(self.pretrained, owner))
            _log.info("%s: loading weights from %s", type(self).__name__, self.pretrained)
            load_state_dict(self, state_dict, strict=False, logger=_log, source=self.pretrained)
        elif self.pretrained is None:
            init_conv_and_norm(self)
        else:
            raise TypeError(f"{type(self).__name__}: pretrained must be a str (a local file) or None, "
                            f"not {type(self.pretrained).__name__}")

    def convert_weights(self, state_dict: dict) -> OrderedDict:
        """A weights file's state dict under this model's names: torchvision's (and earlier vidrun's) names
        mapped onto MMAction2's, and torchvision's classifier (`fc.*`, which a backbone has no use for) left
        out. Subclasses extend this."""
        classifier = [k for k in state_dict if k.startswith("fc.")]
        if classifier:
            _log.info("%s: ignoring the classifier in the weights file: %s", type(self).__name__,
                      ", ".join(classifier))
        kept = OrderedDict((k, v) for k, v in state_dict.items() if k not in classifier)
        return rename_legacy_keys(kept, self.state_dict().keys())[0]

    def _freeze_stages(self) -> None:
        """Stem and stages 1..frozen_stages: eval mode and no gradients."""
        if self.frozen_stages >= 0:
            for module in (self.conv1,):
                module.eval()
                for param in module.parameters():
                    param.requires_grad = False
        for i in range(1, self.frozen_stages + 1):
            layer = getattr(self, f"layer{i}")
            layer.eval()
            for param in layer.parameters():
                param.requires_grad = False

    def _partial_bn(self) -> None:
        """Every BN layer but the first in eval mode with frozen affine parameters (TSN's partial BN)."""
        bns = [m for m in self.modules() if isinstance(m, _BatchNorm)]
        for module in bns[1:]:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> "ResNet":
        """Switch mode, then re-apply frozen stages, `norm_eval` and `partial_bn` (which `nn.Module.train`
        would otherwise undo)."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        if mode and self.partial_bn:
            self._partial_bn()
        return self
