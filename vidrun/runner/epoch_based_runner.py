"""`EpochBasedRunner`: trains for `max_epochs` passes over the data, a workflow entry counting epochs."""
from __future__ import annotations

import warnings
from typing import Any

import torch

from vidrun.runner.base_runner import BaseRunner
from vidrun.runner.registries import RUNNERS


@RUNNERS.register_module()
class EpochBasedRunner(BaseRunner):
    """`run(data_loaders, workflow)`: e.g. `[('train', 1), ('val', 1)]` alternates a train and a val epoch."""

    unit = "epoch"

    def _training_done(self) -> bool:
        return self._epoch >= self._max_epochs

    def run(self, data_loaders: list, workflow: list, max_epochs: int | None = None) -> None:
        if max_epochs is not None:
            self._max_epochs = max_epochs
        if not self._max_epochs or self._max_epochs < 1:
            raise ValueError("EpochBasedRunner needs max_epochs >= 1 (runner=dict(max_epochs=N) or total_epochs)")
        train_loader = next(loader for loader, (mode, _) in zip(data_loaders, workflow) if mode == "train")
        self._max_iters = self._max_epochs * len(train_loader)
        try:
            self._start(data_loaders, workflow)
            self._run_workflow(data_loaders, workflow)
        except BaseException as exc:  # Ctrl-C included: the tracking hooks close their runs
            self.call_exception_hooks(exc)
            raise

    def train(self, data_loader: Any) -> None:
        self.model.train()
        self.mode, self.data_loader = "train", data_loader
        self._max_iters = self._max_epochs * len(data_loader)
        self.call_hook("before_train_epoch")
        cursor = self.cursor(data_loader)
        for batch in cursor.one_pass():
            self._inner_iter, self.data_batch = cursor.position - 1, batch
            self.call_hook("before_train_iter")
            self.run_iter(batch, train_mode=True)
            self.call_hook("after_train_iter")
            del self.data_batch
            self._iter += 1
        self.call_hook("after_train_epoch")
        self._epoch += 1

    @torch.no_grad()
    def val(self, data_loader: Any) -> None:
        """A pass over `data_loader` without gradients: no parameter update, no counter change."""
        self.model.eval()
        self.mode, self.data_loader = "val", data_loader
        self.call_hook("before_val_epoch")
        cursor = self.cursor(data_loader)
        for batch in cursor.one_pass():
            self._inner_iter, self.data_batch = cursor.position - 1, batch
            self.call_hook("before_val_iter")
            self.run_iter(batch, train_mode=False)
            self.call_hook("after_val_iter")
            del self.data_batch
        self.call_hook("after_val_epoch")


@RUNNERS.register_module()
class Runner(EpochBasedRunner):
    """mmcv's old name of `EpochBasedRunner`: the same runner, with a DeprecationWarning when built."""

    def __init__(self, *args: Any, **kwargs: Any):
        warnings.warn("Runner is the old name of EpochBasedRunner: use EpochBasedRunner", DeprecationWarning,
                      stacklevel=2)
        super().__init__(*args, **kwargs)
