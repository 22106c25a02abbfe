"""`BaseRecognizer`: backbone + head, the training and validation steps a runner calls, and multi-view test."""
from __future__ import annotations

import inspect

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from vidrun.config import ConfigError
from vidrun.models.builder import check_backbone_library
from vidrun.models.registries import BACKBONES, HEADS, NECKS
from vidrun.registry import build_from_cfg, check_keys
from vidrun.utils import is_distributed

AVERAGE_CLIPS = ("prob", "score", None)
TRAIN_CFG_KEYS = ("blending", "aux_info")
TEST_CFG_KEYS = ("average_clips", "max_testing_views", "feature_extraction", "fcn_test", "num_segs", "flip")


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
    """A backbone, an optional neck (`NECKS`, e.g. TPN: its auxiliary loss joins the training losses) and a
    classification head (None only with `test_cfg.feature_extraction`).

    `forward(imgs, label, return_loss=True)` gives the loss terms; with `return_loss=False` it gives class
    scores per video (a NumPy array [N, num_classes]), views averaged by `test_cfg['average_clips']`:
    'prob' (softmax, then mean; the default), 'score' (mean of raw scores) or None (one row per view).

    `train_cfg` keys: `blending` (a `BLENDINGS` config, e.g. `dict(type='MixupBlending', num_classes=400,
    alpha=0.2)`: training and `val_step` batches are blended and their labels made soft before the backbone),
    `aux_info` (names of further batch entries passed to the head's loss). `test_cfg` keys: `average_clips`,
    `max_testing_views` (Recognizer3D: at most that many clips through the backbone at once),
    `feature_extraction` (test returns pooled backbone (or neck) features [N, channels] instead of scores),
    `fcn_test`, `num_segs`, `flip` (Recognizer2D: fully convolutional test, see there). Any other key is a
    ConfigError naming it.
    """

    def __init__(self, backbone: dict, cls_head: dict | None = None, neck: dict | None = None,
                 train_cfg: dict | None = None, test_cfg: dict | None = None):
        super().__init__()
        _check_cfg_keys(train_cfg, test_cfg)
        self.train_cfg = dict(train_cfg or {})
        self.test_cfg = dict(test_cfg or {})
        self.feature_extraction = bool(self.test_cfg.get("feature_extraction", False))
        self.fcn_test = bool(self.test_cfg.get("fcn_test", False))
        if cls_head is None and not self.feature_extraction:
            raise ValueError(f"{type(self).__name__}: a cls_head is needed to classify (only a feature extractor, "
                             f"test_cfg=dict(feature_extraction=True), may have none)")
        check_backbone_library(backbone)
        self.backbone = build_from_cfg(backbone, BACKBONES)
        self.neck = None if neck is None else build_from_cfg(neck, NECKS)
        self.cls_head = None if cls_head is None else build_from_cfg(cls_head, HEADS)
        average = self.test_cfg.setdefault("average_clips", "prob")
        if average not in AVERAGE_CLIPS:
            raise ValueError(f"test_cfg.average_clips must be one of {AVERAGE_CLIPS}, got {average!r}")
        self.aux_info = _names(self.train_cfg.get("aux_info", []))
        self.max_testing_views = self.test_cfg.get("max_testing_views")
        if self.max_testing_views is not None and not (type(self.max_testing_views) is int
                                                       and self.max_testing_views > 0):
            raise ValueError(f"test_cfg.max_testing_views must be a positive int, got {self.max_testing_views!r}")
        self._check_fcn_test()
        self.blending = None
        if self.train_cfg.get("blending") is not None:
            from vidrun.datasets.blending_utils import BLENDINGS  # the data layer, loaded only when used
            self.blending = build_from_cfg(self.train_cfg["blending"], BLENDINGS)
        self.init_weights()

    def _check_fcn_test(self) -> None:
        if not self.fcn_test:
            return
        if self.feature_extraction:
            raise ValueError("test_cfg: fcn_test and feature_extraction exclude each other; keep one")
        if "fcn_test" not in inspect.signature(self.cls_head.forward).parameters:
            raise ValueError(f"test_cfg.fcn_test: {type(self.cls_head).__name__} has no fully convolutional test "
                             f"(TPNHead has); remove fcn_test")

    def init_weights(self) -> None:
        """The backbone's (pretrained weights from a local file, or the customary init), the head's and the
        neck's."""
        self.backbone.init_weights()
        if self.cls_head is not None:
            self.cls_head.init_weights()
        if self.neck is not None:
            self.neck.init_weights()

    def require_head(self) -> nn.Module:
        """The head; a ValueError for a feature extractor (no head) asked for scores or losses."""
        if self.cls_head is None:
            raise ValueError(f"{type(self).__name__} has no cls_head: it extracts features only (test mode)")
        return self.cls_head

    def average_clip(self, cls_score: torch.Tensor, num_views: int) -> torch.Tensor:
        """[N·views, C] → [N, C] by `test_cfg['average_clips']`."""
        average = self.test_cfg["average_clips"]
        if average is None:
            return cls_score
        cls_score = cls_score.view(-1, num_views, cls_score.shape[-1])
        if average == "prob":
            return F.softmax(cls_score, dim=2).mean(dim=1)
        return cls_score.mean(dim=1)

    def forward_train(self, imgs: torch.Tensor, label: torch.Tensor, **aux) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def forward_test(self, imgs: torch.Tensor) -> np.ndarray:
        raise NotImplementedError

    def forward(self, imgs: torch.Tensor, label: torch.Tensor | None = None, return_loss: bool = True,
                **kwargs) -> dict[str, torch.Tensor] | np.ndarray:
        """`kwargs` takes what a pipeline's `Collect` adds besides (`img_metas`); the entries named in
        `train_cfg.aux_info` go on to the head's loss."""
        if not return_loss:
            return self.forward_test(imgs)
        if label is None:
            raise ValueError("label is needed to compute the loss (or pass return_loss=False)")
        missing = [name for name in self.aux_info if name not in kwargs]
        if missing:
            raise KeyError(f"train_cfg.aux_info names {missing}, which the batch lacks (it has "
                           f"{sorted(['imgs', 'label', *kwargs])}): add them to Collect's keys")
        if self.blending is not None:
            imgs, label = self.blending(imgs, label)
            label = label.reshape(label.shape[0], -1)  # soft labels [B, 1, C] -> [B, C], the scores' shape
        return self.forward_train(imgs, label, **{name: kwargs[name] for name in self.aux_info})

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


def _names(value: object) -> list[str]:
    if isinstance(value, str) or not (isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)):
        raise ValueError(f"train_cfg.aux_info must be a list of batch keys, got {value!r}")
    return list(value)


def _check_cfg_keys(train_cfg: dict | None, test_cfg: dict | None) -> None:
    """A ConfigError naming every key of `train_cfg`/`test_cfg` that no recognizer reads, with its key path."""
    for name, cfg, allowed in (("train_cfg", train_cfg, TRAIN_CFG_KEYS), ("test_cfg", test_cfg, TEST_CFG_KEYS)):
        if cfg is None:
            continue
        if not isinstance(cfg, dict):
            raise ConfigError(f"{name} must be a dict (or None), got {cfg!r}")
        check_keys(cfg, allowed, name)
