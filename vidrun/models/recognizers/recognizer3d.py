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
    size (MMAction2 allows only 1); `test_cfg.feature_extraction` returns the backbone's features pooled over
    time and space and then over the views, [N, channels].
    """

    def _clips(self, imgs: torch.Tensor) -> torch.Tensor:
        if imgs.dim() != 6:
            raise ValueError(f"Recognizer3D takes imgs of shape [N, views, C, T, H, W], got {list(imgs.shape)}; "
                             f"use FormatShape(input_format='NCTHW')")
        return imgs.reshape(-1, *imgs.shape[2:])

    def forward_train(self, imgs: torch.Tensor, label: torch.Tensor, **aux) -> dict[str, torch.Tensor]:
        num_views = imgs.shape[1]
        cls_score = self.cls_head(self.backbone(self._clips(imgs)))
        if num_views > 1:  # several training clips of one video share its label
            label = label.repeat_interleave(num_views, dim=0)
        return self.cls_head.loss(cls_score, label, **aux)

    def _test_features(self, clips: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """The backbone's features of every clip, a tensor or (SlowFast) a tuple of one per pathway."""
        step = self.max_testing_views or len(clips)
        parts = [self.backbone(clips[start:start + step]) for start in range(0, len(clips), step)]
        if isinstance(parts[0], tuple):
            return tuple(torch.cat([part[i] for part in parts]) for i in range(len(parts[0])))
        return torch.cat(parts)

    @torch.no_grad()
    def forward_test(self, imgs: torch.Tensor) -> np.ndarray:
        batches, num_views = imgs.shape[:2]
        feat = self._test_features(self._clips(imgs))
        if self.feature_extraction:
            if isinstance(feat, tuple):  # SlowFast: each pathway pooled, then joined (slow, fast) as MMAction2
                feat = torch.cat([F.adaptive_avg_pool3d(part, 1) for part in feat], dim=1)
            if feat.dim() == 5:  # a 3D CNN's [N·views, C, T, H, W]; a transformer's [N·views, C] stays
                feat = F.adaptive_avg_pool3d(feat, 1)
            elif feat.dim() != 2:
                raise ValueError(f"feature_extraction takes [clips, C, T, H, W] or [clips, C] backbone "
                                 f"features, got {list(feat.shape)}")
            return feat.reshape(batches, num_views, -1).mean(dim=1).cpu().numpy()
        return self.average_clip(self.cls_head(feat), num_views).cpu().numpy()
