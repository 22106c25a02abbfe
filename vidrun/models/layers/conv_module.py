"""`ConvModule`: conv → norm → activation, the unit every backbone stacks, as mmcv 1.x's `ConvModule`.

Its sub-modules carry mmcv's names, which are the state-dict key names of MMAction2's checkpoints: `conv`, the
norm under its abbreviation (`bn` for batch norms, `gn`, `ln`, `in`) and `activate`. Defaults are mmcv's:
`bias='auto'` (a bias only without a norm), `act_cfg=dict(type='ReLU')` (None for no activation), ReLU-like
activations in place unless `act_cfg` says otherwise, order ('conv', 'norm', 'act'); `padding_mode` other than
'zeros' ('reflect', 'replicate', 'circular') is torch's own, `with_spectral_norm` wraps the convolution.

One addition: `dims` (default 2) picks Conv1d/2d/3d and BatchNorm1d/2d/3d where the config names the generic
'Conv' / 'BN' (mmcv's 'BN' is always BatchNorm2d, which refuses a 5-D input).
"""
from __future__ import annotations

import torch
from torch import nn

from vidrun.models.layers.builders import (build_activation_layer, build_conv_layer, build_norm_layer,
                                           norm_abbreviation)

# mmcv passes `inplace` to every activation but these (whose constructors have no such argument in mmcv).
_NOT_INPLACE = ("Tanh", "PReLU", "Sigmoid", "HSigmoid", "Swish", "GELU")
_DEFAULT_ACT = {"type": "ReLU"}


class ConvModule(nn.Module):
    """conv → norm → act (any order given by `order`); `norm_cfg=None` / `act_cfg=None` leave them out.

    `forward(x, activate=True, norm=True)` can skip the norm or the activation, as mmcv's can.
    (The constructor mirrors mmcv's, so code and configs written for it build unchanged.)"""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool | str = "auto", conv_cfg: dict | None = None,
                 norm_cfg: dict | None = None, act_cfg: dict | None = _DEFAULT_ACT, inplace: bool = True,
                 with_spectral_norm: bool = False, padding_mode: str = "zeros",
                 order: tuple = ("conv", "norm", "act"), dims: int = 2):
        super().__init__()
        if not (isinstance(order, tuple) and sorted(order) == ["act", "conv", "norm"]):
            raise ValueError(f"ConvModule: order must be a tuple of 'conv', 'norm' and 'act', not {order!r}")
        if bias not in ("auto", True, False):
            raise ValueError(f"ConvModule: bias must be 'auto', True or False, not {bias!r}")
        self.order, self.with_norm, self.with_activation = order, norm_cfg is not None, act_cfg is not None
        self.with_bias = (not self.with_norm) if bias == "auto" else bias
        self.conv = build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size, stride=stride,
                                     padding=padding, dilation=dilation, groups=groups, bias=self.with_bias,
                                     dims=dims, **({} if padding_mode == "zeros" else {"padding_mode": padding_mode}))
        if with_spectral_norm:
            self.conv = nn.utils.spectral_norm(self.conv)
        self.norm_name = None
        if self.with_norm:
            channels = out_channels if order.index("norm") > order.index("conv") else in_channels
            self.norm_name = norm_abbreviation(norm_cfg)
            self.add_module(self.norm_name, build_norm_layer(norm_cfg, channels, dims))
        if self.with_activation:
            act_cfg = dict(act_cfg)
            if act_cfg["type"] not in _NOT_INPLACE:
                act_cfg.setdefault("inplace", inplace)
            self.activate = build_activation_layer(act_cfg)

    @property
    def norm(self) -> nn.Module | None:
        """The norm layer (whatever its attribute name), or None."""
        return getattr(self, self.norm_name) if self.norm_name else None

    def forward(self, x: torch.Tensor, activate: bool = True, norm: bool = True) -> torch.Tensor:
        for layer in self.order:
            if layer == "conv":
                x = self.conv(x)
            elif layer == "norm" and norm and self.with_norm:
                x = self.norm(x)
            elif layer == "act" and activate and self.with_activation:
                x = self.activate(x)
        return x
