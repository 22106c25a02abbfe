"""`TPNHead`: TSN's head on a TPN neck's fused 3D map, with MMAction2's fully convolutional test."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vidrun.models.heads.tsn_head import TSNHead
from vidrun.models.registries import HEADS


@HEADS.register_module()
class TPNHead(TSNHead):
    """TSNHead's layers and arguments (same state-dict keys: `fc_cls`). Inputs:

    - `forward(x)` with x [N, C, T, H, W] (Recognizer3D): global average pooling over T, H, W
      (`spatial_type='avg'`), dropout, `fc_cls` → [N, num_classes];
    - `forward(x, num_segs)` with x [N·num_segs, C, H, W] (Recognizer2D): average over H, W, consensus over
      the segments, dropout, `fc_cls` → [N, num_classes];
    - `forward(x, fcn_test=True)` with x [M, C, T, H, W]: `fc_cls` applied as a 1×1×1 convolution after the
      pooling (on the whole map when `spatial_type` is None, then averaged over it) → [M, num_classes].

    MMAction2 copies `fc_cls` into a new `new_cls` convolution on the first fcn test (and that copy goes stale,
    and into the state dict); vidrun convolves with `fc_cls`'s own weights, so the two never differ."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.avg_pool3d = nn.AdaptiveAvgPool3d((1, 1, 1)) if self.avg_pool is not None else None

    def forward(self, x: torch.Tensor, num_segs: int | None = None, fcn_test: bool = False) -> torch.Tensor:
        if fcn_test:
            return self.fcn_scores(x)
        if x.dim() == 5:
            if self.avg_pool3d is not None:
                x = self.avg_pool3d(x)
        else:  # MMAction2 pools over space here whatever spatial_type says
            x = x.mean(dim=(-2, -1), keepdim=True)
        if num_segs is not None:
            x = self.consensus(x.reshape(-1, num_segs, *x.shape[1:])).squeeze(1)
        if self.dropout is not None:
            x = self.dropout(x)
        return self.fc_cls(x.flatten(1))

    def fcn_scores(self, x: torch.Tensor) -> torch.Tensor:
        """[M, C, T, H, W] → [M, num_classes]: the classifier as a convolution, averaged over the map."""
        if x.dim() != 5:
            raise ValueError(f"TPNHead: fcn_test takes [M, C, T, H, W] features, got {list(x.shape)}")
        if self.avg_pool3d is not None:
            x = self.avg_pool3d(x)
        weight = self.fc_cls.weight[:, :, None, None, None]
        return F.conv3d(x, weight, self.fc_cls.bias).mean(dim=(2, 3, 4))
