"""`SyncBuffersHook`: the model's buffers (BatchNorm running statistics) averaged across processes after each
epoch."""
from __future__ import annotations

from typing import Any

from vidrun.runner.dist_utils import allreduce_params
from vidrun.runner.hooks.hook import HOOKS, Hook


@HOOKS.register_module()
class SyncBuffersHook(Hook):
    """After every train and val epoch, each buffer of the model becomes its mean over the processes, so that
    the checkpoint and evaluation of rank 0 use statistics of all the data. The DDP wrapper leaves buffers
    per process (`broadcast_buffers=False`, as in the tutorial's toolbox); `sync_bn=True` (SyncBatchNorm) keeps
    them equal at every step instead. Does nothing with `distributed=False` or in one process."""

    def __init__(self, distributed: bool = True):
        self.distributed = distributed

    def after_epoch(self, runner: Any) -> None:
        if self.distributed:
            allreduce_params(runner.model.buffers())
