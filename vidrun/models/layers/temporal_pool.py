"""`TemporalPool`: TSM's temporal pooling (Lin et al. 2019), which halves the frames before a stage."""
from __future__ import annotations

import torch
from torch import nn


class TemporalPool(nn.Module):
    """Max-pool over time, then apply `net` (a ResNet stage; its keys become `<name>.net.*`, as in MMAction2).

    Input `[N·num_segments, C, H, W]`; each clip's frames are pooled with a (3,1,1) window, stride (2,1,1) and
    padding (1,0,0), giving `[N·num_segments/2, C, H, W]` to `net`. `num_segments` must be even."""

    def __init__(self, net: nn.Module, num_segments: int):
        super().__init__()
        if num_segments < 2 or num_segments % 2:
            raise ValueError(f"TemporalPool: num_segments must be even to halve the frames, not {num_segments}")
        self.net = net
        self.num_segments = num_segments
        self.max_pool3d = nn.MaxPool3d(kernel_size=(3, 1, 1), stride=(2, 1, 1), padding=(1, 0, 0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        if n % self.num_segments:
            raise ValueError(f"TemporalPool: {n} frames is not a multiple of num_segments={self.num_segments}")
        clips = x.reshape(n // self.num_segments, self.num_segments, c, h, w).transpose(1, 2)
        pooled = self.max_pool3d(clips).transpose(1, 2).reshape(n // 2, c, h, w)
        return self.net(pooled)
