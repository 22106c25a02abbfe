"""Classification losses: `CrossEntropyLoss` (single label, hard or soft targets) and `BCELossWithLogits`
(multi-label). Both scale by `loss_weight` and accept per-class weights."""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from vidrun.models.registries import LOSSES


class WeightedLoss(nn.Module):
    """A loss times `loss_weight`, with optional per-class weights `class_weight`."""

    def __init__(self, loss_weight: float = 1.0, class_weight: Sequence[float] | None = None):
        super().__init__()
        self.loss_weight = loss_weight
        self.register_buffer("class_weight", None if class_weight is None else torch.tensor(class_weight,
                                                                                            dtype=torch.float32))

    def _check(self, cls_score: torch.Tensor) -> None:
        if self.class_weight is not None and self.class_weight.numel() != cls_score.shape[-1]:
            raise ValueError(f"{type(self).__name__}: class_weight has {self.class_weight.numel()} entries for "
                             f"{cls_score.shape[-1]} classes")


@LOSSES.register_module()
class CrossEntropyLoss(WeightedLoss):
    """`label` is [N] class indices, or [N, C] soft targets (probabilities; e.g. from mixup)."""

    def forward(self, cls_score: torch.Tensor, label: torch.Tensor, **kwargs) -> torch.Tensor:
        self._check(cls_score)
        if label.shape == cls_score.shape:
            log_probs = F.log_softmax(cls_score, dim=1)
            if self.class_weight is not None:
                log_probs = log_probs * self.class_weight
            loss = -(label * log_probs).sum(dim=1).mean()
        else:
            loss = F.cross_entropy(cls_score, label.long(), weight=self.class_weight, **kwargs)
        return self.loss_weight * loss


@LOSSES.register_module()
class BCELossWithLogits(WeightedLoss):
    """`label` is [N, C] multi-hot (floats in [0, 1])."""

    def forward(self, cls_score: torch.Tensor, label: torch.Tensor, **kwargs) -> torch.Tensor:
        self._check(cls_score)
        loss = F.binary_cross_entropy_with_logits(cls_score, label.float(), weight=self.class_weight, **kwargs)
        return self.loss_weight * loss
