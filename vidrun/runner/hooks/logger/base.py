"""`LoggerHook`: when to average and write the log buffer; subclasses say where (`log(runner, record)`)."""
from __future__ import annotations

import inspect
import traceback
from typing import Any

from vidrun.runner.hooks.hook import Hook
from vidrun.runner.hooks.logger.mmcv_style import MmcvLoggerHelpers


class LoggerHook(MmcvLoggerHelpers, Hook):
    """Writes a train record every `interval` iterations (inner iterations when by epoch), the rest of an
    epoch at its end unless `ignore_last` (but always when the epoch was shorter than `interval`, so a long
    interval still logs once per epoch), and a val record after each val epoch, val flow or evaluation,
    including one before a train epoch (`evaluation=dict(start=...)` scores the weights a run starts from).

    `by_epoch` defaults to the runner's kind. Subclasses implement `log(runner, record)`, where `record`
    holds `mode`, `epoch`, `iter`, `lr` (first group), `momentum`, `memory` (CUDA) and the averaged values;
    with a dict of optimizers `lr` and `momentum` are dicts `{optimizer name: value of its first group}`.
    A subclass written for mmcv implements `log(runner)` instead and reads `runner.log_buffer.output`, with
    the helpers of `MmcvLoggerHelpers` (`get_loggable_tags`, `get_mode`, ...).
    """

    def __init__(self, interval: int = 10, ignore_last: bool = True, reset_flag: bool = False,
                 by_epoch: bool | None = None):
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f"interval must be a positive int, not {interval!r}")
        self.interval = interval
        self.ignore_last = ignore_last
        self.reset_flag = reset_flag
        self.by_epoch = by_epoch

    def log(self, runner: Any, record: dict) -> None:
        raise NotImplementedError

    def before_run(self, runner: Any) -> None:
        if self.by_epoch is None:
            self.by_epoch = runner.unit == "epoch"
        # Only the last logger clears the averaged output, so every logger sees it.
        loggers = [h for h in runner.hooks if isinstance(h, LoggerHook)]
        if loggers and loggers[-1] is self:
            self.reset_flag = True

    def before_epoch(self, runner: Any) -> None:
        runner.log_buffer.clear()

    def before_train_epoch(self, runner: Any) -> None:
        super().before_train_epoch(runner)  # before_epoch: a fresh train buffer
        # An evaluation before this epoch (EvalHook runs earlier in this event) scored the weights as they are
        # now, before any iteration of it: written here, its line sits there, not at the epoch's first iteration.
        self._write(runner, "val", at_epoch_start=True)

    def after_train_iter(self, runner: Any) -> None:
        buffer = runner.log_buffer
        if self.by_epoch and self.every_n_inner_iters(runner, self.interval):
            buffer.average(self.interval)
        elif not self.by_epoch and self.every_n_iters(runner, self.interval):
            buffer.average(self.interval)
        elif self.by_epoch and self.end_of_epoch(runner) and (
                not self.ignore_last or runner.inner_iter + 1 < self.interval):
            buffer.average((runner.inner_iter + 1) % self.interval)
        self._write(runner, "train")
        self._write(runner, "val")  # scores of an evaluation by iteration

    def after_train_epoch(self, runner: Any) -> None:
        self._write(runner, "train")
        self._write(runner, "val")  # metrics an evaluation hook put there

    def after_val_epoch(self, runner: Any) -> None:
        runner.log_buffer.average()
        self._write(runner, "val")

    def after_val_iter(self, runner: Any) -> None:
        if runner.unit == "iter" and runner.end_of_flow:
            runner.log_buffer.average()
            self._write(runner, "val")
            if self.reset_flag:  # the last logger: the others have written this flow's values by now
                runner.log_buffer.clear()

    def _write(self, runner: Any, mode: str, at_epoch_start: bool = False) -> None:
        buffer = runner.log_buffers[mode]
        if not buffer.ready:
            return
        if len(inspect.signature(self.log).parameters) == 1:  # `log(self, runner)`: written for mmcv
            self._log_as_mmcv(runner, mode)
        else:
            self.log(runner, self.record(runner, mode, buffer.output, at_epoch_start))
        if self.reset_flag:
            buffer.clear_output()

    def _log_as_mmcv(self, runner: Any, mode: str) -> None:
        """`log(runner)` with `runner.mode` naming the values written, so that `runner.log_buffer` is their
        buffer (mmcv's single buffer held them) and `get_mode` says which they are."""
        self._running_mode, runner.mode = runner.mode, mode
        try:
            self.log(runner)
        finally:
            runner.mode, self._running_mode = self._running_mode, None

    def record(self, runner: Any, mode: str, values: dict, at_epoch_start: bool = False) -> dict:
        """The values of one log line with where they belong (see `place`)."""
        epoch, number = place(runner, at_epoch_start)
        record = {"mode": mode, "epoch": epoch, "iter": number}
        if runner.optimizer is not None:
            record["lr"] = _first_group(runner.current_lr())
            record["momentum"] = _first_group(runner.current_momentum())
        for key in ("time", "data_time"):
            if key in values:
                record[key] = values[key]
        memory = _cuda_memory_mb(runner)
        if memory is not None:
            record["memory"] = memory
        record.update((k, v) for k, v in values.items() if k not in record)
        return record


def _first_group(values: list | dict) -> Any:
    return {name: v[0] for name, v in values.items()} if isinstance(values, dict) else values[0]


def place(runner: Any, at_epoch_start: bool = False) -> tuple[int, int]:
    """`(epoch, iter)` of a line written now. By epoch: the 1-based epoch and inner iteration reached in a
    train event, `(epochs done, val loader length)` after a val epoch, and `(epochs done, 0)` at the start of
    a train epoch (`at_epoch_start`: before any of its iterations). By iteration: the passes over the train
    data + 1, and the global iterations done (counting the one just run in a train iteration event)."""
    in_train = runner.mode == "train" and not at_epoch_start
    if runner.unit == "iter":
        return runner.epoch + 1, runner.iter + in_train
    if at_epoch_start:
        return runner.epoch, 0
    return runner.epoch + in_train, runner.inner_iter + 1


def exception_line(exc: BaseException) -> str:
    """The last line of the traceback `exc` would print: `ValueError: the message`."""
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def _cuda_memory_mb(runner: Any) -> int | None:
    import torch

    parameter = next(iter(runner.model.parameters()), None)
    if parameter is None or parameter.device.type != "cuda":
        return None
    return int(torch.cuda.max_memory_allocated(parameter.device) // (1024 * 1024))
