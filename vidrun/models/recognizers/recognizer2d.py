"""`Recognizer2D`: a 2D backbone over the frames of every view, the head merges segments (TSN, TSM)."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from vidrun.models.recognizers.base import BaseRecognizer
from vidrun.models.registries import RECOGNIZERS


@RECOGNIZERS.register_module()
class Recognizer2D(BaseRecognizer):
    """Input `imgs` [N, views, C, H, W] (views = clips·crops·clip_len frames, as `FormatShape('NCHW')` makes):
    flattened to frames, `num_segs = views`. With `test_cfg.feature_extraction`, test returns the backbone's
    features pooled over space and then over the views, [N, channels]."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_testing_views is not None:
            # A 2D model sees all segments of a view at once (TSM shifts features between them), as MMAction2.
            raise ValueError("test_cfg.max_testing_views is read by Recognizer3D only; remove it for "
                             "Recognizer2D")

    def _frames(self, imgs: torch.Tensor) -> tuple[torch.Tensor, int]:
        if imgs.dim() != 5:
            raise ValueError(f"Recognizer2D takes imgs of shape [N, views, C, H, W], got {list(imgs.shape)}; "
                             f"use FormatShape(input_format='NCHW')")
        return imgs.reshape(-1, *imgs.shape[2:]), imgs.shape[0]

    def _scores(self, imgs: torch.Tensor) -> tuple[torch.Tensor, int]:
        frames, batches = self._frames(imgs)
        return self.cls_head(self.backbone(frames), frames.shape[0] // batches), batches

    def forward_train(self, imgs: torch.Tensor, label: torch.Tensor, **aux) -> dict[str, torch.Tensor]:
        cls_score, _ = self._scores(imgs)
        return self.cls_head.loss(cls_score, label, **aux)

    @torch.no_grad()
    def forward_test(self, imgs: torch.Tensor) -> np.ndarray:
        if self.feature_extraction:
            frames, batches = self._frames(imgs)
            feat = F.adaptive_avg_pool2d(self.backbone(frames), 1)
            return feat.reshape(batches, frames.shape[0] // batches, -1).mean(dim=1).cpu().numpy()
        cls_score, batches = self._scores(imgs)
        return self.average_clip(cls_score, cls_score.shape[0] // batches).cpu().numpy()
