"""`Recognizer3D`: a 3D backbone over every view (a clip), views averaged at test time (I3D, SlowOnly, X3D)."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from vidrun.models.recognizers.base import BaseRecognizer
from vidrun.models.registries import RECOGNIZERS


@RECOGNIZERS.register_module()
class Recognizer3D(BaseRecognizer):
    """Input `imgs` [N, views, C, T, H, W] (as `FormatShape('NCTHW')` makes); each view is one clip.

    At test time `test_cfg.max_testing_views` bounds how many clips go through the backbone at once (the
    features are concatenated; the scores are the same as in one pass, up to float rounding), for any batch
    size (MMAction2 allows only 1); `test_cfg.feature_extraction` returns the backbone's (or the neck's)
    features pooled over time and space and then over the views, [N, channels]. A neck (TPN) takes the
    backbone's levels and adds its auxiliary loss in training.
    """

    def _clips(self, imgs: torch.Tensor) -> torch.Tensor:
        if imgs.dim() != 6:
            raise ValueError(f"Recognizer3D takes imgs of shape [N, views, C, T, H, W], got {list(imgs.shape)}; "
                             f"use FormatShape(input_format='NCTHW')")
        return imgs.reshape(-1, *imgs.shape[2:])

    def forward_train(self, imgs: torch.Tensor, label: torch.Tensor, **aux) -> dict[str, torch.Tensor]:
        head, num_views = self.require_head(), imgs.shape[1]
        if num_views > 1:  # several training clips of one video share its label
            label = label.repeat_interleave(num_views, dim=0)
        x, losses = self.backbone(self._clips(imgs)), {}
        if self.neck is not None:
            x, losses = self.neck(x, label.reshape(label.shape[0], -1).squeeze(1))
        return {**losses, **head.loss(head(x), label, **aux)}

    def _extract(self, clips: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        x = self.backbone(clips)
        return x if self.neck is None else self.neck(x)[0]

    def _test_features(self, clips: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        step = self.max_testing_views or len(clips)
        parts = [self._extract(clips[start:start + step]) for start in range(0, len(clips), step)]
        if isinstance(parts[0], tuple):  # a backbone with several out_indices and no neck
            return tuple(torch.cat(level) for level in zip(*parts))
        return torch.cat(parts)

    @torch.no_grad()
    def forward_test(self, imgs: torch.Tensor) -> np.ndarray:
        batches, num_views = imgs.shape[:2]
        feat = self._test_features(self._clips(imgs))
        if self.feature_extraction:
            return _pooled(feat).reshape(batches, num_views, -1).mean(dim=1).cpu().numpy()
        return self.average_clip(self.require_head()(feat), num_views).cpu().numpy()


def _pooled(feat: torch.Tensor | tuple[torch.Tensor, ...]) -> torch.Tensor:
    """A 3D CNN's [clips, C, T, H, W] averaged over T, H, W (several levels: each, then concatenated on
    channels, as MMAction2); a transformer's [clips, C] as it is."""
    levels = feat if isinstance(feat, tuple) else (feat,)
    dims = {level.dim() for level in levels}
    if dims == {5}:
        return torch.cat([F.adaptive_avg_pool3d(level, 1).flatten(1) for level in levels], dim=1)
    if dims == {2} and len(levels) == 1:
        return levels[0]
    raise ValueError(f"feature_extraction takes [clips, C, T, H, W] or [clips, C] backbone features, got "
                     f"{[list(level.shape) for level in levels]}")
