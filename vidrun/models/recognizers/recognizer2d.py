"""`Recognizer2D`: a 2D backbone over the frames of every view, the head merges segments (TSN, TSM)."""
from __future__ import annotations

import numpy as np
import torch

from vidrun.models.recognizers.base import BaseRecognizer
from vidrun.models.registries import RECOGNIZERS


@RECOGNIZERS.register_module()
class Recognizer2D(BaseRecognizer):
    """Input `imgs` [N, views, C, H, W] (views = clips·crops·clip_len frames, as `FormatShape('NCHW')` makes):
    flattened to frames, `num_segs = views`."""

    def _scores(self, imgs: torch.Tensor) -> tuple[torch.Tensor, int]:
        if imgs.dim() != 5:
            raise ValueError(f"Recognizer2D takes imgs of shape [N, views, C, H, W], got {list(imgs.shape)}; "
                             f"use FormatShape(input_format='NCHW')")
        batches = imgs.shape[0]
        frames = imgs.reshape(-1, *imgs.shape[2:])
        num_segs = frames.shape[0] // batches
        return self.cls_head(self.backbone(frames), num_segs), batches

    def forward_train(self, imgs: torch.Tensor, label: torch.Tensor) -> dict[str, torch.Tensor]:
        cls_score, _ = self._scores(imgs)
        return self.cls_head.loss(cls_score, label)

    @torch.no_grad()
    def forward_test(self, imgs: torch.Tensor) -> np.ndarray:
        cls_score, batches = self._scores(imgs)
        return self.average_clip(cls_score, cls_score.shape[0] // batches).cpu().numpy()
