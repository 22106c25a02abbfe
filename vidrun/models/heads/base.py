"""`BaseHead`: a classifier on backbone features, its loss and the accuracies it logs."""
from __future__ import annotations

import torch
from torch import nn

from vidrun.models.registries import LOSSES
from vidrun.registry import build_from_cfg

DEFAULT_LOSS = dict(type="CrossEntropyLoss", loss_weight=1.0)


def top_k_hits(cls_score: torch.Tensor, labels: torch.Tensor, topk: tuple[int, ...]) -> list[torch.Tensor]:
    """The fraction of samples whose label is among the k best scores, for each k (as 0-d tensors)."""
    k_max = min(max(topk), cls_score.shape[1])
    best = cls_score.topk(k_max, dim=1).indices
    hits = best == labels.view(-1, 1)
    return [hits[:, :min(k, k_max)].any(dim=1).float().mean() for k in topk]


class BaseHead(nn.Module):
    """Subclasses build their layers and implement `forward`; `loss` is shared.

    `loss(cls_score, labels)` returns `{'loss_cls': ..., 'top1_acc': ..., 'top5_acc': ...}` for single-label
    data (accuracies detached: they are logged, not optimised; none for soft labels [N, C]); multi-label data (`multi_class=True`) gets the
    loss only, with optional label smoothing `label_smooth_eps`.
    """

    def __init__(self, num_classes: int, in_channels: int, loss_cls: dict | None = None, multi_class: bool = False,
                 label_smooth_eps: float = 0.0, topk: tuple[int, ...] = (1, 5)):
        super().__init__()
        if num_classes < 1 or in_channels < 1:
            raise ValueError(f"{type(self).__name__}: num_classes and in_channels must be positive, got "
                             f"{num_classes} and {in_channels}")
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.loss_cls = build_from_cfg(dict(loss_cls or DEFAULT_LOSS), LOSSES)
        self.multi_class = multi_class
        self.label_smooth_eps = label_smooth_eps
        self.topk = (topk,) if isinstance(topk, int) else tuple(topk)

    def init_weights(self) -> None:
        raise NotImplementedError

    def loss(self, cls_score: torch.Tensor, labels: torch.Tensor, **kwargs) -> dict[str, torch.Tensor]:
        losses: dict[str, torch.Tensor] = {}
        # Soft labels (mixup, cutmix) have the scores' shape: no accuracy is logged for them, as in MMAction2.
        soft = labels.is_floating_point() and labels.shape == cls_score.shape
        if not self.multi_class and not soft:
            labels = labels.view(-1)
            with torch.no_grad():
                for k, hit in zip(self.topk, top_k_hits(cls_score, labels, self.topk)):
                    losses[f"top{k}_acc"] = hit
        elif self.label_smooth_eps:
            labels = (1 - self.label_smooth_eps) * labels + self.label_smooth_eps / self.num_classes
        losses["loss_cls"] = self.loss_cls(cls_score, labels, **kwargs)
        return losses
