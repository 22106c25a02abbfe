"""`TensorboardLoggerHook`: scalars into TensorBoard event files (`<work_dir>/tf_logs` by default)."""
from __future__ import annotations

import os
from typing import Any

from vidrun.runner.hooks.hook import HOOKS
from vidrun.runner.hooks.logger.tracking import TrackingLoggerHook, import_backend


@HOOKS.register_module()
class TensorboardLoggerHook(TrackingLoggerHook):
    """Writes `train/<key>`, `val/<key>`, `learning_rate` and `momentum` at the global step (see
    `TrackingLoggerHook`) with `torch.utils.tensorboard.SummaryWriter` into `log_dir` (default
    `<work_dir>/tf_logs`); view with `tensorboard --logdir <log_dir>`. Needs the `tensorboard` package,
    checked when the hook is built."""

    def __init__(self, log_dir: str | None = None, interval: int = 10, ignore_last: bool = True,
                 reset_flag: bool = False, by_epoch: bool | None = None):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        import_backend("tensorboard", type(self).__name__, "tensorboard")
        self.log_dir = log_dir
        self.writer = None

    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        if runner.rank != 0:
            return
        if self.log_dir is None and runner.work_dir is None:
            raise ValueError("TensorboardLoggerHook needs a log_dir, or a runner with a work_dir")
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(self.log_dir or os.path.join(runner.work_dir, "tf_logs"))

    def log_scalars(self, runner: Any, scalars: dict[str, float], step: int) -> None:
        for tag, value in scalars.items():
            self.writer.add_scalar(tag, value, step)

    def after_run(self, runner: Any) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def on_exception(self, runner: Any, exc: BaseException) -> None:
        self.after_run(runner)  # what was logged before the error is flushed to the event file
