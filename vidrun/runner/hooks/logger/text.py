"""`TextLoggerHook`: human-readable lines through the run's logger, and one JSON object a line in
`<work_dir>/<timestamp>.log.json` for plotting."""
from __future__ import annotations

import datetime
import json
import os
import time
from typing import Any

from vidrun.runner.hooks.hook import HOOKS
from vidrun.runner.hooks.logger.base import LoggerHook, exception_line

PLACE_KEYS = ("mode", "epoch", "iter")


@HOOKS.register_module()
class TextLoggerHook(LoggerHook):
    """`Epoch [2][20/100]\\tlr: 1.000e-02, eta: 0:01:02, time: 0.123, data_time: 0.010, loss: 0.6931` for
    train, `Epoch(val) [2][25]\\t...` for val (`Iter [...]` under an IterBasedRunner). The JSON file starts
    with `runner.meta` on one line (when the runner has one: `vidrun train` puts the environment, the config
    text, the seed and the config file's name there), then one record a line, its values rounded to 5
    decimals; readers skip lines without `mode`, `epoch` and `iter`. Only rank 0 writes the JSON file. A run
    that raises ends its log with the traceback's last line (`the run stopped in epoch 2, iter 9 (train):
    ValueError: ...`)."""

    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        if not getattr(runner, "timestamp", None):
            runner.timestamp = time.strftime("%Y%m%d_%H%M%S", time.localtime())
        self.json_log_path = None
        if runner.work_dir is not None and runner.rank == 0:
            self.json_log_path = os.path.join(runner.work_dir, f"{runner.timestamp}.log.json")
        self._start_iter = self._last_iter = runner.iter
        self._time_total = 0.0
        if self.json_log_path is not None and runner.meta is not None:
            self._append(runner.meta)  # the run's facts first, as mmcv writes them: env, config, seed

    def _append(self, record: dict) -> None:
        with open(self.json_log_path, "a", encoding="utf-8") as file:
            file.write(json.dumps({k: _rounded(v) for k, v in record.items()}, default=_as_json) + "\n")

    def log(self, runner: Any, record: dict) -> None:
        eta = self._eta(runner, record["time"]) if record["mode"] == "train" and "time" in record else None
        runner.logger.info(self.format(runner, record, eta))
        if self.json_log_path is not None:
            self._append({k: v for k, v in record.items() if k != "momentum"})

    def on_exception(self, runner: Any, exc: BaseException) -> None:
        """The traceback's last line into the log, with where training was."""
        where = f"epoch {runner.epoch + 1}, iter {runner.iter + 1}" if runner.unit == "epoch" \
            else f"iter {runner.iter + 1}"
        runner.logger.error("the run stopped in %s (%s): %s", where, runner.mode or "before the first step",
                            exception_line(exc))

    def format(self, runner: Any, record: dict, eta: str | None = None) -> str:
        if runner.unit == "epoch":
            total = f"/{len(runner.data_loader)}" if record["mode"] == "train" else ""
            place = f"{'Epoch' if record['mode'] == 'train' else 'Epoch(val)'} [{record['epoch']}]" \
                    f"[{record['iter']}{total}]"
        else:
            place = f"Iter [{record['iter']}/{runner.max_iters}]" if record["mode"] == "train" \
                else f"Iter(val) [{record['iter']}]"
        parts = []
        if isinstance(record.get("lr"), dict):  # a dict of optimizers: `lr_generator: ..., lr_discriminator: ...`
            parts += [f"lr_{name}: {lr:.3e}" for name, lr in record["lr"].items()]
        elif "lr" in record:
            parts.append(f"lr: {record['lr']:.3e}")
        if eta is not None:
            parts.append(f"eta: {eta}")
        parts += [f"{k}: {_shown(v)}" for k, v in record.items() if k not in PLACE_KEYS + ("lr", "momentum")]
        return f"{place}\t{', '.join(parts)}"

    def _eta(self, runner: Any, seconds_per_iter: float) -> str:
        """Remaining iterations times the mean iteration time since this run (or resume) started."""
        self._time_total += seconds_per_iter * (runner.iter + 1 - self._last_iter)
        self._last_iter = runner.iter + 1
        average = self._time_total / max(runner.iter + 1 - self._start_iter, 1)
        return str(datetime.timedelta(seconds=int(average * (runner.max_iters - runner.iter - 1))))


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    return str(value)


def _as_json(value: Any) -> Any:
    """What JSON cannot hold as is: a NumPy or torch scalar as its number, anything else as its text."""
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return item()
        except (TypeError, ValueError, RuntimeError):
            pass
    return str(value)


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return round(value, 5) if isinstance(value, float) else value
