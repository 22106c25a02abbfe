"""`trace_schedule`: the lr and momentum of every parameter group at every training iteration of a config,
as its real updater hooks write them, without data and without a model step."""
from __future__ import annotations

import logging
import math

import torch
from torch import nn

from vidrun.datasets import build_dataset, dataloader_settings
from vidrun.models import build_model
from vidrun.runner import build_optimizer, build_runner
from vidrun.runner.builder import runner_config
from vidrun.runner.optimizer.several import is_optimizer_dict, named_optimizers


class _Recorder(nn.Module):
    """Stands in for the model in the runner: each training step records what the optimizer holds (the
    groups of every optimizer, in order, for a dict of optimizers)."""

    def __init__(self):
        super().__init__()
        self.lr: list[list[float]] = []
        self.momentum: list[list[float | None]] = []

    def train_step(self, data_batch, optimizer) -> dict:
        groups = [group for _, opt in named_optimizers(optimizer) for group in opt.param_groups]
        self.lr.append([group["lr"] for group in groups])
        self.momentum.append([group.get("momentum", group.get("betas", (None,))[0]) for group in groups])
        return dict(loss=torch.zeros(()), log_vars={}, num_samples=1)

    val_step = train_step


def iters_per_epoch_of(cfg) -> int:
    """Training iterations per epoch from the config's train set (its annotation file must exist)."""
    settings = dataloader_settings(cfg.data, "train", dist=False, seed=None)
    size = len(build_dataset(cfg.data.train))
    batch = settings["videos_per_gpu"] * settings.get("num_gpus", 1)
    return size // batch if settings.get("drop_last") else math.ceil(size / batch)


def trace_schedule(cfg, iters_per_epoch: int) -> dict:
    """`{"iters_per_epoch", "max_iters", "lr": [[group lrs] per iteration], "momentum": [[...]]}`.

    The optimizer is built from the config's model (so `paramwise_cfg` and constructors shape the groups); a
    runner of the config's type runs its lr and momentum hooks over `iters_per_epoch` empty batches per epoch.
    With several optimizers the rows hold the groups of each in turn, and `"groups"` names each column
    `<optimizer>.<group index>` (`generator.0`, `discriminator.0`, ...).
    """
    if iters_per_epoch < 1:
        raise ValueError(f"iters_per_epoch must be at least 1, got {iters_per_epoch}")
    optimizer = build_optimizer(build_model(cfg.model, test_cfg=cfg.get("test_cfg")), cfg.optimizer)
    recorder = _Recorder()
    quiet = logging.getLogger("vidrun.schedule_trace")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    runner = build_runner(runner_config(cfg), dict(model=recorder, optimizer=optimizer, logger=quiet))
    runner.register_training_hooks(cfg.get("lr_config"), momentum_config=cfg.get("momentum_config"))
    runner.run([range(iters_per_epoch)], [("train", 1)])
    trace = dict(iters_per_epoch=iters_per_epoch, max_iters=len(recorder.lr), lr=recorder.lr,
                 momentum=recorder.momentum)
    if is_optimizer_dict(optimizer):
        trace["groups"] = [f"{name}.{index}" for name, opt in named_optimizers(optimizer)
                           for index in range(len(opt.param_groups))]
    return trace
