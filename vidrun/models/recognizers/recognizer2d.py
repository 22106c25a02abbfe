"""`Recognizer2D`: a 2D backbone over the frames of every view, the head merges segments (TSN, TSM, TPN-TSM)."""
from __future__ import annotations

import numpy as np
import torch

from vidrun.models.recognizers.base import BaseRecognizer
from vidrun.models.registries import RECOGNIZERS


def as_clips(feature: torch.Tensor, num_segs: int) -> torch.Tensor:
    """Per-frame features [M·num_segs, C, H, W] → clips [M, C, num_segs, H, W], as a 3D neck takes them."""
    return feature.reshape(-1, num_segs, *feature.shape[1:]).transpose(1, 2).contiguous()


def levels(x: torch.Tensor | tuple) -> list[torch.Tensor]:
    return list(x) if isinstance(x, (tuple, list)) else [x]


@RECOGNIZERS.register_module()
class Recognizer2D(BaseRecognizer):
    """Input `imgs` [N, views, C, H, W] (views = clips·crops·clip_len frames, as `FormatShape('NCHW')` makes):
    flattened to frames, `num_segs = views`. With a neck, every frame's features of a video are stacked in
    time ([N, C, num_segs, H, W]), the neck fuses them and the head sees one segment. With
    `test_cfg.feature_extraction`, test returns the (neck's or backbone's) features averaged over space and
    then over the segments, [N, channels].

    `test_cfg.fcn_test=True` (MMAction2's fully convolutional test, TPNHead only): the frames are cut into
    clips of `test_cfg.num_segs` frames (default: the backbone's `num_segments`), flipped horizontally first with
    `test_cfg.flip`, each clip goes through the neck (or is stacked in time) and the head classifies it with
    `fc_cls` as a convolution; the clips' scores are averaged by `average_clips`.
    """

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

    def _features(self, imgs: torch.Tensor, target: torch.Tensor | None = None):
        """(features, batches, num_segs, the neck's losses): per frame without a neck; per video with one."""
        frames, batches = self._frames(imgs)
        num_segs = frames.shape[0] // batches
        x, losses = self.backbone(frames), {}
        if self.neck is not None:
            x, losses = self.neck([as_clips(f, num_segs) for f in levels(x)], target)
            x, num_segs = x.squeeze(2), 1  # [N, C, 1, H, W] -> [N, C, H, W], one segment a video
        return x, batches, num_segs, losses

    def forward_train(self, imgs: torch.Tensor, label: torch.Tensor, **aux) -> dict[str, torch.Tensor]:
        head = self.require_head()
        target = label.reshape(label.shape[0], -1).squeeze(1)  # hard [N, 1] -> [N]; soft [N, C] stays
        x, _, num_segs, losses = self._features(imgs, target if self.neck is not None else None)
        return {**losses, **head.loss(head(x, num_segs), label, **aux)}

    @torch.no_grad()
    def forward_test(self, imgs: torch.Tensor) -> np.ndarray:
        if self.fcn_test:
            return self._fcn_test(imgs).cpu().numpy()
        x, batches, num_segs, _ = self._features(imgs)
        if self.feature_extraction:
            pooled = x.flatten(2).mean(dim=2)  # over H, W (and T when a neck left time)
            return pooled.reshape(batches, -1, pooled.shape[1]).mean(dim=1).cpu().numpy()
        cls_score = self.require_head()(x, num_segs)
        return self.average_clip(cls_score, cls_score.shape[0] // batches).cpu().numpy()

    def _fcn_test(self, imgs: torch.Tensor) -> torch.Tensor:
        frames, batches = self._frames(imgs)
        num_segs = self.test_cfg.get("num_segs", getattr(self.backbone, "num_segments", None))
        if not isinstance(num_segs, int) or num_segs < 1 or frames.shape[0] % (batches * num_segs):
            raise ValueError(f"test_cfg.fcn_test: clips of num_segs={num_segs!r} frames (test_cfg.num_segs, or "
                             f"the backbone's num_segments) must divide the {frames.shape[0] // batches} frames "
                             f"of each video")
        if self.test_cfg.get("flip", False):
            frames = torch.flip(frames, [-1])
        x = self.backbone(frames)
        if self.neck is not None:
            x, _ = self.neck([as_clips(f, num_segs) for f in levels(x)])
        else:
            x = as_clips(x, num_segs)
        cls_score = self.cls_head(x, fcn_test=True)
        return self.average_clip(cls_score, cls_score.shape[0] // batches)
