"""`IterTimerHook`: how long each iteration took (`time`) and how long it waited for data (`data_time`)."""
from __future__ import annotations

import time
from typing import Any

from vidrun.runner.hooks.hook import HOOKS, Hook


@HOOKS.register_module()
class IterTimerHook(Hook):
    def before_run(self, runner: Any) -> None:
        self._last = time.perf_counter()

    def before_epoch(self, runner: Any) -> None:
        self._last = time.perf_counter()

    def before_iter(self, runner: Any) -> None:
        runner.log_buffer.update({"data_time": time.perf_counter() - self._last})

    def after_iter(self, runner: Any) -> None:
        now = time.perf_counter()
        runner.log_buffer.update({"time": now - self._last})
        self._last = now
