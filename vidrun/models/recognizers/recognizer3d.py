"""`Recognizer3D`: a 3D backbone over every view (a clip), views averaged at test time (I3D, SlowOnly, X3D)."""
from __future__ import annotations

import numpy as np
import torch

from vidrun.models.recognizers.base import BaseRecognizer
from vidrun.models.registries import RECOGNIZERS


@RECOGNIZERS.register_module()
class Recognizer3D(BaseRecognizer):
    """Input `imgs` [N, views, C, T, H, W] (as `FormatShape('NCTHW')` makes); each view is one clip."""

    def _scores(self, imgs: torch.Tensor) -> tuple[torch.Tensor, int]:
        if imgs.dim() != 6:
            raise ValueError(f"Recognizer3D takes imgs of shape [N, views, C, T, H, W], got {list(imgs.shape)}; "
                             f"use FormatShape(input_format='NCTHW')")
        num_views = imgs.shape[1]
        clips = imgs.reshape(-1, *imgs.shape[2:])
        return self.cls_head(self.backbone(clips)), num_views

    def forward_train(self, imgs: torch.Tensor, label: torch.Tensor) -> dict[str, torch.Tensor]:
        cls_score, num_views = self._scores(imgs)
        if num_views > 1:  # several training clips of one video share its label
            label = label.repeat_interleave(num_views, dim=0)
        return self.cls_head.loss(cls_score, label)

    @torch.no_grad()
    def forward_test(self, imgs: torch.Tensor) -> np.ndarray:
        cls_score, num_views = self._scores(imgs)
        return self.average_clip(cls_score, num_views).cpu().numpy()
