"""`X3DHead`: X3D's head, with a wide hidden layer before the classifier."""
from __future__ import annotations

import torch
from torch import nn

from vidrun.models.heads.base import BaseHead
from vidrun.models.heads.consensus import spatial_pool
from vidrun.models.registries import HEADS
from vidrun.models.weight_init import normal_init


@HEADS.register_module()
class X3DHead(BaseHead):
    """X3D's head: pool ('avg' or 'max' over space-time), a wide `fc1` (2048) with ReLU, dropout, then the
    classifier `fc2`."""

    def __init__(self, num_classes: int, in_channels: int, loss_cls: dict | None = None, spatial_type: str = "avg",
                 dropout_ratio: float = 0.5, init_std: float = 0.01, fc1_bias: bool = False, **kwargs):
        super().__init__(num_classes, in_channels, loss_cls, **kwargs)
        self.pool = spatial_pool(spatial_type, 3, type(self).__name__, allow_max=True)
        self.fc1 = nn.Linear(in_channels, 2048, bias=fc1_bias)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio else None
        self.fc2 = nn.Linear(2048, num_classes)
        self.init_std = init_std

    def init_weights(self) -> None:
        normal_init(self.fc1, std=self.init_std)
        normal_init(self.fc2, std=self.init_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pool is not None:
            x = self.pool(x)
        x = self.relu(self.fc1(x.flatten(1)))
        if self.dropout is not None:
            x = self.dropout(x)
        return self.fc2(x)
