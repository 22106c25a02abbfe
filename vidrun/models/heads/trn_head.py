"""`TRNHead`: the Temporal Relation Network's head (Zhou et al. 2018, "Temporal Relational Reasoning in
Videos"), as MMAction2 0.x's.

Each frame's pooled features are projected to `hidden_dim` (`fc_cls`); the `num_segments` frames of a clip are
then classified by their relations. `relation_type='TRN'`: one MLP over all frames in order
(`RelationModule`). `'TRNMultiScale'` (default): for every scale k from `num_segments` down to 2, an MLP over
ordered k-frame subsets (`fc_fusion_scales.<i>`), summed: the full set once, and at each smaller scale up to 3
subsets drawn at random, in training and in testing alike, with NumPy's global generator and the same calls as
MMAction2 (`np.random.choice(n_subsets, min(3, n_subsets), replace=False)` per scale, largest scale first), so a
seeded run draws the same subsets.
"""
from __future__ import annotations

import itertools

import numpy as np
import torch
from torch import nn

from vidrun.models.heads.base import BaseHead
from vidrun.models.heads.consensus import spatial_pool
from vidrun.models.registries import HEADS
from vidrun.models.weight_init import normal_init

MAX_SUBSAMPLE = 3  # subsets drawn at each scale below the largest


class RelationModule(nn.Module):
    """One MLP over the concatenated features of all `num_segments` frames: ReLU, Linear to 512, ReLU, Linear
    to `num_classes` (`classifier.1`, `classifier.3`). Input `[N, num_segments, hidden_dim]`."""

    def __init__(self, hidden_dim: int, num_segments: int, num_classes: int):
        super().__init__()
        self.hidden_dim, self.num_segments, self.num_classes = hidden_dim, num_segments, num_classes
        self.classifier = nn.Sequential(nn.ReLU(), nn.Linear(num_segments * hidden_dim, 512), nn.ReLU(),
                                        nn.Linear(512, num_classes))

    def init_weights(self) -> None:
        """Nothing: the linear layers keep PyTorch's default initialisation, as in MMAction2."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(x.reshape(x.shape[0], -1))


class RelationModuleMultiScale(nn.Module):
    """Relations at every scale from `num_segments` frames down to 2 (see the module docstring); each scale has
    an MLP `fc_fusion_scales.<i>`: ReLU, Linear to 256, ReLU, Linear to `num_classes`. Input
    `[N, num_segments, hidden_dim]`, output `[N, num_classes]`."""

    def __init__(self, hidden_dim: int, num_segments: int, num_classes: int):
        super().__init__()
        if num_segments < 2:
            raise ValueError(f"RelationModuleMultiScale: num_segments must be at least 2, not {num_segments}")
        self.hidden_dim, self.num_segments, self.num_classes = hidden_dim, num_segments, num_classes
        self.scales = range(num_segments, 1, -1)
        self.relations_scales = [list(itertools.combinations(range(num_segments), k)) for k in self.scales]
        self.subsample_scales = [min(MAX_SUBSAMPLE, len(r)) for r in self.relations_scales]
        self.fc_fusion_scales = nn.ModuleList(
            nn.Sequential(nn.ReLU(), nn.Linear(k * hidden_dim, 256), nn.ReLU(), nn.Linear(256, num_classes))
            for k in self.scales)

    def init_weights(self) -> None:
        """Nothing: the linear layers keep PyTorch's default initialisation, as in MMAction2."""

    def _relation(self, x: torch.Tensor, scale_id: int, frames: tuple) -> torch.Tensor:
        picked = x[:, list(frames), :].reshape(x.shape[0], self.scales[scale_id] * self.hidden_dim)
        return self.fc_fusion_scales[scale_id](picked)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self._relation(x, 0, self.relations_scales[0][0])
        for scale_id in range(1, len(self.scales)):
            drawn = np.random.choice(len(self.relations_scales[scale_id]), self.subsample_scales[scale_id],
                                     replace=False)
            for index in drawn:
                out = out + self._relation(x, scale_id, self.relations_scales[scale_id][index])
        return out


RELATIONS = {"TRN": RelationModule, "TRNMultiScale": RelationModuleMultiScale}


@HEADS.register_module()
class TRNHead(BaseHead):
    """Input `[N·views·num_segments, in_channels, H, W]`; output `[N·views, num_classes]`: frames are grouped by
    the head's own `num_segments` whatever `num_segs` says, as in MMAction2. Pooling ('avg' or None), dropout,
    `fc_cls` (in_channels → `hidden_dim`, normal init of `init_std`), then the relation module (`consensus`)."""

    def __init__(self, num_classes: int, in_channels: int, num_segments: int = 8, loss_cls: dict | None = None,
                 spatial_type: str = "avg", relation_type: str = "TRNMultiScale", hidden_dim: int = 256,
                 dropout_ratio: float = 0.8, init_std: float = 0.001, **kwargs):
        super().__init__(num_classes, in_channels, loss_cls, **kwargs)
        if relation_type not in RELATIONS:
            raise ValueError(f"TRNHead: relation_type must be one of {sorted(RELATIONS)}, not {relation_type!r}")
        self.num_segments, self.spatial_type, self.relation_type = num_segments, spatial_type, relation_type
        self.hidden_dim, self.dropout_ratio, self.init_std = hidden_dim, dropout_ratio, init_std
        self.consensus = RELATIONS[relation_type](hidden_dim, num_segments, num_classes)
        self.dropout = nn.Dropout(p=dropout_ratio) if dropout_ratio != 0 else None
        self.fc_cls = nn.Linear(in_channels, hidden_dim)
        self.avg_pool = spatial_pool(spatial_type, 2, type(self).__name__)

    def init_weights(self) -> None:
        normal_init(self.fc_cls, std=self.init_std)
        self.consensus.init_weights()

    def forward(self, x: torch.Tensor, num_segs: int) -> torch.Tensor:
        if self.avg_pool is not None:
            x = self.avg_pool(x)
        x = torch.flatten(x, 1)
        if self.dropout is not None:
            x = self.dropout(x)
        features = self.fc_cls(x)
        return self.consensus(features.view((-1, self.num_segments) + features.shape[1:]))
