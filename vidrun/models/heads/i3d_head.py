"""`I3DHead`: a linear classifier on pooled space-time features of a 3D backbone."""
from __future__ import annotations

import torch
from torch import nn

from vidrun.models.heads.base import BaseHead
from vidrun.models.heads.consensus import spatial_pool
from vidrun.models.registries import HEADS
from vidrun.models.weight_init import normal_init


@HEADS.register_module()
class I3DHead(BaseHead):
    """Input [N·views, in_channels, T, H, W]; output [N·views, num_classes]."""

    def __init__(self, num_classes: int, in_channels: int, loss_cls: dict | None = None, spatial_type: str = "avg",
                 dropout_ratio: float = 0.5, init_std: float = 0.01, **kwargs):
        super().__init__(num_classes, in_channels, loss_cls, **kwargs)
        self.avg_pool = spatial_pool(spatial_type, 3, type(self).__name__)
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio else None
        self.fc_cls = nn.Linear(in_channels, num_classes)
        self.init_std = init_std

    def init_weights(self) -> None:
        normal_init(self.fc_cls, std=self.init_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.avg_pool is not None:
            x = self.avg_pool(x)
        x = x.flatten(1)
        if self.dropout is not None:
            x = self.dropout(x)
        return self.fc_cls(x)

