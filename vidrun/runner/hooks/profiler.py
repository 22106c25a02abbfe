"""`ProfilerHook`: `torch.profiler` over the first epochs or iterations of training (mmcv's hook of that name)."""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import profiler

from vidrun.runner.hooks.hook import HOOKS, Hook

ACTIVITIES = {"cpu": profiler.ProfilerActivity.CPU, "cuda": profiler.ProfilerActivity.CUDA}


@HOOKS.register_module()
class ProfilerHook(Hook):
    """Profiles training from `before_run` until `profile_iters` epochs (`by_epoch`) or iterations are done,
    on rank 0. The arguments are mmcv's: `activities` among 'cpu' and 'cuda' (CUDA is left out without a
    GPU); `schedule`, the arguments of `torch.profiler.schedule`; `on_trace_ready` a function of the profiler,
    `dict(type='log_trace', **table_args)` (the summary table, `key_averages().table(**table_args)`, into the
    log) or `dict(type='tb_trace', dir_name=...)` (TensorBoard trace files, default `<work_dir>/
    tf_tracing_logs`); `json_trace_path` writes a Chrome trace when profiling ends. Profiling slows training:
    keep the run short."""

    def __init__(self, by_epoch: bool = True, profile_iters: int = 1, activities: Sequence[str] = ("cpu", "cuda"),
                 schedule: dict | None = None, on_trace_ready: Callable | dict | None = None,
                 record_shapes: bool = False, profile_memory: bool = False, with_stack: bool = False,
                 with_flops: bool = False, json_trace_path: str | None = None):
        unknown = [a for a in activities if a not in ACTIVITIES]
        if unknown or not isinstance(profile_iters, int) or profile_iters < 1:
            raise ValueError(f"ProfilerHook: activities must be among {list(ACTIVITIES)} (got {unknown}) and "
                             f"profile_iters a positive int (got {profile_iters!r})")
        if not (on_trace_ready is None or callable(on_trace_ready) or isinstance(on_trace_ready, dict)):
            raise TypeError(f"ProfilerHook: on_trace_ready must be a function, a dict or None, not "
                            f"{type(on_trace_ready).__name__}")
        self.by_epoch, self.profile_iters, self.json_trace_path = by_epoch, profile_iters, json_trace_path
        self.activities = [ACTIVITIES[a] for a in activities if a != "cuda" or torch.cuda.is_available()]
        self.schedule = profiler.schedule(**schedule) if schedule is not None else None
        self.on_trace_ready = on_trace_ready
        self.options = dict(record_shapes=record_shapes, profile_memory=profile_memory, with_stack=with_stack,
                            with_flops=with_flops)
        self.profiler: profiler.profile | None = None

    def before_run(self, runner: Any) -> None:
        total = runner.max_epochs if self.by_epoch else runner.max_iters
        if total is not None and self.profile_iters > total:
            raise ValueError(f"ProfilerHook: profile_iters={self.profile_iters} is more than the run's {total} "
                             f"{'epochs' if self.by_epoch else 'iterations'}")
        if runner.rank != 0:
            return
        self.profiler = profiler.profile(activities=self.activities, schedule=self.schedule,
                                         on_trace_ready=self._trace_handler(runner), **self.options)
        self.profiler.__enter__()
        unit = "epochs" if self.by_epoch else "iterations"
        runner.logger.info("profiling the first %d %s", self.profile_iters, unit)

    def after_train_iter(self, runner: Any) -> None:
        if self.profiler is not None:
            self.profiler.step()
            if not self.by_epoch and runner.iter + 1 == self.profile_iters:
                self._stop(runner)

    def after_train_epoch(self, runner: Any) -> None:
        if self.profiler is not None and self.by_epoch and runner.epoch + 1 == self.profile_iters:
            self._stop(runner)

    def on_exception(self, runner: Any, exc: BaseException) -> None:
        if self.profiler is not None:
            self.profiler.__exit__(None, None, None)
            self.profiler = None

    def _stop(self, runner: Any) -> None:
        self.profiler.__exit__(None, None, None)
        if self.json_trace_path is not None:
            self.profiler.export_chrome_trace(self.json_trace_path)
            runner.logger.info("profiler: Chrome trace written to %s", self.json_trace_path)
        self.profiler = None

    def _trace_handler(self, runner: Any) -> Callable | None:
        if self.on_trace_ready is None or callable(self.on_trace_ready):
            return self.on_trace_ready
        options = dict(self.on_trace_ready)
        kind = options.pop("type", None)
        if kind == "log_trace":
            return lambda prof: runner.logger.info("profiler:\n%s", prof.key_averages().table(**options))
        if kind == "tb_trace":
            options["dir_name"] = os.path.join(runner.work_dir or "", options.get("dir_name", "tf_tracing_logs"))
            return profiler.tensorboard_trace_handler(**options)
        raise ValueError(f"ProfilerHook: on_trace_ready.type must be 'log_trace' or 'tb_trace', not {kind!r}")
