"""`IterBasedRunner`: trains for `max_iters` iterations over endless data, a workflow entry counting
iterations."""
from __future__ import annotations

from typing import Any

import torch

from vidrun.runner.base_runner import BaseRunner
from vidrun.runner.default_hooks import DEFAULT_TIMER
from vidrun.runner.hooks.hook import Hook
from vidrun.runner.registries import RUNNERS


@RUNNERS.register_module()
class IterBasedRunner(BaseRunner):
    """`run(data_loaders, workflow)`: e.g. `[('train', 3), ('val', 1)]` alternates three train iterations and
    one val iteration. Loaders restart (and re-shuffle, with `sampler.set_epoch`) when exhausted; `epoch` is
    the number of complete passes over the train data. No epoch events are called."""

    unit = "iter"

    def _training_done(self) -> bool:
        return self._iter >= self._max_iters

    def run(self, data_loaders: list, workflow: list, max_iters: int | None = None) -> None:
        if max_iters is not None:
            self._max_iters = max_iters
        if not self._max_iters or self._max_iters < 1:
            raise ValueError("IterBasedRunner needs max_iters >= 1 (runner=dict(max_iters=N))")
        try:
            self._start(data_loaders, workflow)
            self._run_workflow(data_loaders, workflow)
        except BaseException as exc:  # Ctrl-C included: the tracking hooks close their runs
            self.call_exception_hooks(exc)
            raise

    def _next(self, mode: str, data_loader: Any) -> Any:
        self.mode, self.data_loader = mode, data_loader
        cursor = self.cursor(data_loader)
        batch = cursor.next_batch()
        if mode == "train":
            self._epoch = cursor.passes
        self._inner_iter = self._flow[1] - 1
        self.data_batch = batch  # as in mmcv, for hooks; removed after the iteration
        return batch

    def train(self, data_loader: Any) -> None:
        self.model.train()
        batch = self._next("train", data_loader)
        self.call_hook("before_train_iter")
        self.run_iter(batch, train_mode=True)
        self.call_hook("after_train_iter")
        del self.data_batch
        self._iter += 1

    def register_training_hooks(self, lr_config: dict | Hook | None, optimizer_config: dict | Hook | None = None,
                                checkpoint_config: dict | Hook | None = None, log_config: dict | None = None,
                                momentum_config: dict | Hook | None = None,
                                custom_hooks_config: list | dict | Hook | None = None,
                                timer_config: dict | Hook | None = DEFAULT_TIMER) -> None:
        """The arguments in mmcv's IterBasedRunner order: `custom_hooks_config` sixth (`timer_config` after it;
        mmcv always registers an IterTimerHook here). `by_epoch` of the lr, checkpoint and logger hooks
        defaults to False under this runner without changing the configs."""
        super().register_training_hooks(lr_config, optimizer_config, checkpoint_config, log_config,
                                        momentum_config, timer_config, custom_hooks_config)

    def save_checkpoint(self, out_dir: str, filename_tmpl: str = "iter_{}.pth", meta: dict | None = None,
                        save_optimizer: bool = True, create_symlink: bool = True) -> str:
        """`out_dir/iter_<n>.pth` by default; the arguments in mmcv's IterBasedRunner order (`meta` third)."""
        return super().save_checkpoint(out_dir, filename_tmpl, save_optimizer, meta, create_symlink)

    @torch.no_grad()
    def val(self, data_loader: Any) -> None:
        """One iteration without gradients: no parameter update, no counter change."""
        self.model.eval()
        batch = self._next("val", data_loader)
        self.call_hook("before_val_iter")
        self.run_iter(batch, train_mode=False)
        self.call_hook("after_val_iter")
        del self.data_batch
