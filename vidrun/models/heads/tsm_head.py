"""`TSMHead`: classify every frame of a temporally shifted backbone, then average over `num_segments`."""
from __future__ import annotations

import torch
from torch import nn

from vidrun.models.heads.base import BaseHead
from vidrun.models.heads.consensus import build_consensus, spatial_pool
from vidrun.models.registries import HEADS
from vidrun.models.weight_init import normal_init


@HEADS.register_module()
class TSMHead(BaseHead):
    """Input [N·views·num_segments, in_channels, H, W]; output [N·views, num_classes]: frames are grouped by the
    head's own `num_segments` (the clip length the backbone shifted over; half of it with `is_shift` and
    `temporal_pool`, whose backbone halves the frames), whatever `num_segs` says, as in MMAction2; a multi-view
    test input gives one score row per view, which the recognizer then averages."""

    def __init__(self, num_classes: int, in_channels: int, num_segments: int = 8, loss_cls: dict | None = None,
                 spatial_type: str = "avg", consensus: dict | None = None, dropout_ratio: float = 0.8,
                 init_std: float = 0.001, is_shift: bool = True, temporal_pool: bool = False, **kwargs):
        super().__init__(num_classes, in_channels, loss_cls, **kwargs)
        self.num_segments = num_segments
        self.is_shift, self.temporal_pool = is_shift, temporal_pool
        self.avg_pool = spatial_pool(spatial_type, 2, type(self).__name__)
        self.consensus = build_consensus(consensus, type(self).__name__)
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio else None
        self.fc_cls = nn.Linear(in_channels, num_classes)
        self.init_std = init_std

    def init_weights(self) -> None:
        normal_init(self.fc_cls, std=self.init_std)

    def forward(self, x: torch.Tensor, num_segs: int) -> torch.Tensor:
        if self.avg_pool is not None:
            x = self.avg_pool(x)
        x = x.flatten(1)
        if self.dropout is not None:
            x = self.dropout(x)
        scores = self.fc_cls(x)
        group = self.num_segments // 2 if self.is_shift and self.temporal_pool else self.num_segments
        return self.consensus(scores.view(-1, group, self.num_classes)).squeeze(1)
