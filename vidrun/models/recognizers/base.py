"""`BaseRecognizer`: backbone + head, the training and validation steps a runner calls, and multi-view test."""
from __future__ import annotations

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from vidrun.models.registries import BACKBONES, HEADS
from vidrun.registry import build_from_cfg
from vidrun.utils import is_distributed

AVERAGE_CLIPS = ("prob", "score", None)


def parse_losses(losses: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
    """The total loss (the sum of every term whose name contains 'loss') and every term as a float to log.

    In a process group the logged values are the mean over every process (one all-reduce), so all ranks log
    the same numbers, those of the global batch (exactly so when the per-process batches are equal); the
    returned loss stays this process's own, for its backward. Every process must return the same terms."""
    terms = [value.mean() for name, value in losses.items() if "loss" in name]
    if not terms:
        raise ValueError(f"the head returned no loss term (keys: {sorted(losses)}); a term's name must contain "
                         f"'loss'")
    loss = sum(terms)
    values = torch.stack([value.detach().float().mean() for value in losses.values()] + [loss.detach().float()])
    return loss, dict(zip([*losses, "loss"], _mean_over_processes(values).tolist()))


def _mean_over_processes(values: torch.Tensor) -> torch.Tensor:
    if not is_distributed():
        return values
    dist.all_reduce(values)  # a sum: Gloo has no average
    return values / dist.get_world_size()


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
        return self.step_outputs(self(**data_batch), data_batch)

    def step_outputs(self, losses: dict[str, torch.Tensor], data_batch: dict) -> dict:
        """`train_step`'s outputs from the loss terms that `self(**data_batch)` returned. Split from the
        forward for `DistributedDataParallelWrapper`, whose forward must run through DDP."""
        loss, log_vars = parse_losses(losses)
        return dict(loss=loss, log_vars=log_vars, num_samples=len(data_batch["imgs"]))

    def val_step(self, data_batch: dict, optimizer=None) -> dict:
        """The runner's val step (the workflow's `('val', n)`): the same losses, under no_grad from the runner."""
        return self.train_step(data_batch, optimizer)
