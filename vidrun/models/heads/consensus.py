"""Segment consensus: how TSN-style heads merge the scores of a video's segments."""
from __future__ import annotations

import torch
from torch import nn


class AvgConsensus(nn.Module):
    """The mean over dimension `dim` (the segments), keeping it (size 1)."""

    def __init__(self, dim: int = 1):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=self.dim, keepdim=True)


def build_consensus(cfg: dict | None, owner: str) -> AvgConsensus:
    """`consensus=dict(type='AvgConsensus', dim=1)`, the only consensus vidrun ships."""
    cfg = dict(cfg or dict(type="AvgConsensus", dim=1))
    kind = cfg.pop("type", "AvgConsensus")
    if kind != "AvgConsensus":
        raise ValueError(f"{owner}: consensus type {kind!r} is not supported (only 'AvgConsensus')")
    return AvgConsensus(**cfg)


def spatial_pool(spatial_type: str | None, dims: int, owner: str, allow_max: bool = False) -> nn.Module | None:
    """Global average pooling over space (2D) or space-time (3D) for `spatial_type='avg'` (max pooling for
    'max' where the head allows it, as MMAction2's X3DHead does); None keeps the input as it is."""
    if spatial_type is None:
        return None
    if spatial_type == "max" and allow_max:
        return nn.AdaptiveMaxPool2d(1) if dims == 2 else nn.AdaptiveMaxPool3d(1)
    if spatial_type != "avg":
        allowed = "'avg', 'max' or None" if allow_max else "'avg' or None"
        raise ValueError(f"{owner}: spatial_type must be {allowed}, got {spatial_type!r}")
    return nn.AdaptiveAvgPool2d(1) if dims == 2 else nn.AdaptiveAvgPool3d(1)
