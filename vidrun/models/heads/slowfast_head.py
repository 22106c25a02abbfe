"""`SlowFastHead`: a linear classifier on the pooled features of both SlowFast pathways."""
from __future__ import annotations

import torch
from torch import nn

from vidrun.models.heads.base import BaseHead
from vidrun.models.heads.consensus import spatial_pool
from vidrun.models.registries import HEADS
from vidrun.models.weight_init import normal_init


@HEADS.register_module()
class SlowFastHead(BaseHead):
    """Input `(slow [N, Cs, Ts, H, W], fast [N, Cf, Tf, H, W])` as `ResNet3dSlowFast` gives it; output
    [N, num_classes]. Each pathway is averaged over space-time and the two are joined fast first, then slow
    (MMAction2's order: `fc_cls` weight columns 0..Cf-1 read the fast features), so `in_channels` = Cf + Cs
    (2304 for SlowFast-R50). Dropout (default 0.8) before `fc_cls`; `init_weights` draws it from N(0, init_std)."""

    def __init__(self, num_classes: int, in_channels: int, loss_cls: dict | None = None, spatial_type: str = "avg",
                 dropout_ratio: float = 0.8, init_std: float = 0.01, **kwargs):
        super().__init__(num_classes, in_channels, loss_cls, **kwargs)
        self.spatial_type, self.dropout_ratio, self.init_std = spatial_type, dropout_ratio, init_std
        self.dropout = nn.Dropout(p=dropout_ratio) if dropout_ratio else None
        self.fc_cls = nn.Linear(in_channels, num_classes)
        self.avg_pool = spatial_pool(spatial_type, 3, type(self).__name__)

    def init_weights(self) -> None:
        normal_init(self.fc_cls, std=self.init_std)

    def forward(self, x: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        if not isinstance(x, (tuple, list)) or len(x) != 2:
            raise ValueError("SlowFastHead takes the (slow, fast) features of ResNet3dSlowFast")
        slow, fast = x
        if self.avg_pool is not None:
            slow, fast = self.avg_pool(slow), self.avg_pool(fast)
        x = torch.cat((fast, slow), dim=1)
        if self.dropout is not None:
            x = self.dropout(x)
        return self.fc_cls(x.flatten(1))
