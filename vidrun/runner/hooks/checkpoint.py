"""`CheckpointHook` (`checkpoint_config`): decides when to save; a `Checkpointer` writes and prunes."""
from __future__ import annotations

import os
from typing import Any

from vidrun.runner.checkpoint import CheckpointWriteError
from vidrun.runner.checkpointer import Checkpointer
from vidrun.runner.hooks.hook import HOOKS, Hook


@HOOKS.register_module()
class CheckpointHook(Hook):
    """Save `epoch_{N}.pth` every `interval` epochs (or `iter_{N}.pth` every `interval` iterations when not
    `by_epoch`, the default under an IterBasedRunner) and, with `save_last`, at the end; point `latest.pth`
    at the newest and keep only the newest `max_keep_ckpts` (all when <= 0). `out_dir` puts the files in
    `out_dir/<name of the work dir>` (`~` expanded). Files are written atomically, and only by rank 0.

    A write that fails leaves the earlier checkpoints and `latest.pth` as they were; with `on_error='raise'`
    (the default) the `CheckpointWriteError` (naming the file and the cause) stops training, since a run that
    goes on without checkpoints would lose its work at the next interruption; `on_error='warn'` logs it as a
    warning and training goes on."""

    def __init__(self, interval: int = -1, by_epoch: bool | None = None, save_optimizer: bool = True,
                 out_dir: str | None = None, max_keep_ckpts: int = -1, save_last: bool = True,
                 on_error: str = "raise"):
        if on_error not in ("raise", "warn"):
            raise ValueError(f"checkpoint_config.on_error must be 'raise' or 'warn', not {on_error!r}")
        self.interval = interval
        self.by_epoch = by_epoch
        self.save_optimizer = save_optimizer
        self.out_dir = None if out_dir is None else os.path.expanduser(out_dir)
        self.max_keep_ckpts = max_keep_ckpts
        self.save_last = save_last
        self.on_error = on_error

    def before_run(self, runner: Any) -> None:
        if self.by_epoch is None:
            self.by_epoch = runner.unit == "epoch"
        elif self.by_epoch and runner.unit == "iter":
            raise ValueError("checkpoint_config.by_epoch=True: an IterBasedRunner has no epochs; remove it")
        if runner.work_dir is None and self.out_dir is None:
            raise ValueError("CheckpointHook needs a work_dir (or checkpoint_config.out_dir) to save into")
        directory = runner.work_dir
        if self.out_dir is not None:
            directory = os.path.join(self.out_dir, os.path.basename(runner.work_dir or ""))
        self.checkpointer = Checkpointer(directory, self.max_keep_ckpts, runner.logger)
        runner.logger.info("checkpoints are saved in %s every %s %s", directory, self.interval,
                           "epochs" if self.by_epoch else "iterations")

    def after_train_epoch(self, runner: Any) -> None:
        if self.by_epoch and (self.every_n_epochs(runner, self.interval)
                              or self.save_last and self.is_last_epoch(runner)):
            self.save(runner, f"epoch_{runner.epoch + 1}.pth")

    def after_train_iter(self, runner: Any) -> None:
        if not self.by_epoch and (self.every_n_iters(runner, self.interval)
                                  or self.save_last and self.is_last_iter(runner)):
            self.save(runner, f"iter_{runner.iter + 1}.pth")

    def save(self, runner: Any, name: str) -> None:
        if runner.rank != 0:
            return
        state = runner.checkpoint_state(self.save_optimizer)
        try:
            path = self.checkpointer.save(name, state["model"], state["optimizer"], state["meta"], state["extra"])
        except CheckpointWriteError as error:
            if self.on_error == "raise":
                raise
            runner.logger.warning("%s; training goes on (checkpoint_config.on_error='warn')", error)
            return
        runner.meta = runner.meta if runner.meta is not None else {}
        runner.meta.setdefault("hook_msgs", {})["last_ckpt"] = str(path)
