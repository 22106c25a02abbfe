"""`BaseRecognizer`: backbone + head, the training and validation steps a runner calls, and multi-view test."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vidrun.models.registries import BACKBONES, HEADS
from vidrun.registry import build_from_cfg

AVERAGE_CLIPS = ("prob", "score", None)


def parse_losses(losses: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
    """The total loss (the sum of every term whose name contains 'loss') and every term as a float to log."""
    log_vars = {name: float(value.detach().mean()) for name, value in losses.items()}
    terms = [value.mean() for name, value in losses.items() if "loss" in name]
    if not terms:
        raise ValueError(f"the head returned no loss term (keys: {sorted(losses)}); a term's name must contain "
                         f"'loss'")
    loss = sum(terms)
    log_vars["loss"] = float(loss.detach())
    return loss, log_vars


class BaseRecognizer(nn.Module):
    """`forward(imgs, label, return_loss=True)` gives the loss terms; with `return_loss=False` it gives class
    scores per video (a NumPy array [N, num_classes]), views averaged by `test_cfg['average_clips']`:
    'prob' (softmax, then mean; the default), 'score' (mean of raw scores) or None (one row per view)."""

    def __init__(self, backbone: dict, cls_head: dict | None = None, neck: dict | None = None,
                 train_cfg: dict | None = None, test_cfg: dict | None = None):
        super().__init__()
        if neck is not None:
            raise ValueError(f"{type(self).__name__}: necks are not supported; remove model.neck")
        if cls_head is None:
            raise ValueError(f"{type(self).__name__}: a cls_head is needed to classify")
        self.backbone = build_from_cfg(backbone, BACKBONES)
        self.cls_head = build_from_cfg(cls_head, HEADS)
        self.train_cfg = dict(train_cfg or {})
        self.test_cfg = dict(test_cfg or {})
        average = self.test_cfg.setdefault("average_clips", "prob")
        if average not in AVERAGE_CLIPS:
            raise ValueError(f"test_cfg.average_clips must be one of {AVERAGE_CLIPS}, got {average!r}")
        self.init_weights()

    def init_weights(self) -> None:
        """The backbone's (pretrained weights from a local file, or the customary init) and the head's."""
        self.backbone.init_weights()
        self.cls_head.init_weights()

    def average_clip(self, cls_score: torch.Tensor, num_views: int) -> torch.Tensor:
        """[N·views, C] → [N, C] by `test_cfg['average_clips']`."""
        average = self.test_cfg["average_clips"]
        if average is None:
            return cls_score
        cls_score = cls_score.view(-1, num_views, cls_score.shape[-1])
        if average == "prob":
            return F.softmax(cls_score, dim=2).mean(dim=1)
        return cls_score.mean(dim=1)

    def forward_train(self, imgs: torch.Tensor, label: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def forward_test(self, imgs: torch.Tensor) -> np.ndarray:
        raise NotImplementedError

    def forward(self, imgs: torch.Tensor, label: torch.Tensor | None = None, return_loss: bool = True,
                **kwargs) -> dict[str, torch.Tensor] | np.ndarray:
        """`kwargs` takes what a pipeline's `Collect` adds besides (`img_metas`), unused here."""
        if not return_loss:
            return self.forward_test(imgs)
        if label is None:
            raise ValueError("label is needed to compute the loss (or pass return_loss=False)")
        return self.forward_train(imgs, label)

    def train_step(self, data_batch: dict, optimizer=None) -> dict:
        """The runner's training step: loss, the values to log and the number of videos."""
        loss, log_vars = parse_losses(self(**data_batch))
        return dict(loss=loss, log_vars=log_vars, num_samples=len(data_batch["imgs"]))

    def val_step(self, data_batch: dict, optimizer=None) -> dict:
        """The runner's val step (the workflow's `('val', n)`): the same losses, under no_grad from the runner."""
        return self.train_step(data_batch, optimizer)
