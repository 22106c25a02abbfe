"""`TimeSformerHead`: a linear classifier on a transformer's class token."""
from __future__ import annotations

import torch
from torch import nn

from vidrun.models.heads.base import BaseHead
from vidrun.models.registries import HEADS


@HEADS.register_module()
class TimeSformerHead(BaseHead):
    """Input [N, in_channels] (the backbone's class token); output [N, num_classes] from `fc_cls`, initialised
    with a normal of std `init_std` truncated at ±2 (absolute, as mmcv's `trunc_normal_init`), bias 0."""

    def __init__(self, num_classes: int, in_channels: int, loss_cls: dict | None = None, init_std: float = 0.02,
                 **kwargs):
        super().__init__(num_classes, in_channels, loss_cls, **kwargs)
        self.init_std = init_std
        self.fc_cls = nn.Linear(in_channels, num_classes)

    def init_weights(self) -> None:
        nn.init.trunc_normal_(self.fc_cls.weight, mean=0.0, std=self.init_std, a=-2.0, b=2.0)
        nn.init.constant_(self.fc_cls.bias, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2:
            raise ValueError(f"TimeSformerHead takes [N, in_channels] features, got {list(x.shape)}")
        return self.fc_cls(x)
