"""What the experiment-tracking loggers (TensorBoard, MLflow, W&B) share: importing the back-end with an
install hint, the scalars of a record and the global step they are plotted at, and the run's config."""
from __future__ import annotations

import importlib
import numbers
import os
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from vidrun.runner.hooks.logger.base import LoggerHook
from vidrun.runner.hooks.logger.text import PLACE_KEYS

TRAIN_ONLY = {"lr": "learning_rate", "momentum": "momentum"}  # record key -> scalar name


def import_backend(module: str, hook: str, extra: str) -> ModuleType:
    """`module`, or an ImportError that says which extra of vidrun installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f'{hook} needs the {module} package: pip install "vidrun[{extra}]" '
                          f'(or "vidrun[tracking]" for every tracking back-end)') from error


class TrackingLoggerHook(LoggerHook):
    """A logger that plots each record as named scalars against the global training iteration.

    Scalars: `train/<key>` or `val/<key>` for every number of the record but its place (`mode`, `epoch`,
    `iter`), plus `learning_rate` and `momentum` from train records (val records repeat the same values).
    Step: the number of training iterations done when the record is written, so a train record of
    iteration 4 (1-based) and the val record after an epoch of 6 iterations land at 4 and 6, and val points
    sit at the end of the train stretch they follow; an evaluation before an epoch (`evaluation=dict(start=0)`,
    or at the start of a resumed run) lands where training starts, at 0 (or the resumed iteration). Only
    rank 0 writes: subclasses open their back-end in
    `before_run` only where `runner.rank == 0`, and `log_scalars` is never called on other ranks.
    """

    def __init__(self, interval: int = 10, ignore_last: bool = True, reset_flag: bool = False,
                 by_epoch: bool | None = None):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self._in_train_iter = False

    def log_scalars(self, runner: Any, scalars: dict[str, float], step: int) -> None:
        raise NotImplementedError

    def after_train_iter(self, runner: Any) -> None:
        # In after_train_iter the counter still names the iteration just run (0-based); in every other event
        # that writes records (before or after a train epoch, after a val epoch or iteration) it counts the
        # finished ones.
        self._in_train_iter = True
        try:
            super().after_train_iter(runner)
        finally:
            self._in_train_iter = False

    def log(self, runner: Any, record: dict) -> None:
        if runner.rank == 0:
            self.log_scalars(runner, scalars(record), runner.iter + self._in_train_iter)


def scalars(record: dict) -> dict[str, float]:
    """The plotted values of a log record (see `TrackingLoggerHook`)."""
    mode = record["mode"]
    values = {f"{mode}/{key}": float(value) for key, value in record.items()
              if key not in PLACE_KEYS + tuple(TRAIN_ONLY) and _is_number(value)}
    if mode == "train":
        for key, name in TRAIN_ONLY.items():
            value = record.get(key)
            if isinstance(value, dict):  # a dict of optimizers: `learning_rate/<optimizer name>`
                values.update((f"{name}/{optimizer}", float(v)) for optimizer, v in value.items())
            elif value is not None:
                values[name] = float(value)
    return values


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def experiment_name(runner: Any) -> str:
    """The config file's name without its extension (`meta['exp_name']`, set by `vidrun train`), else
    'vidrun'."""
    name = (runner.meta or {}).get("exp_name")
    return os.path.splitext(os.path.basename(name))[0] if name else "vidrun"


def config_text(runner: Any) -> str | None:
    """The resolved config as Python source (`meta['config']`, set by `vidrun train`), if there is one."""
    return (runner.meta or {}).get("config") or None


def config_dict(runner: Any) -> dict | None:
    """The resolved config as nested dicts, read back from `meta['config']`; None where there is none or it
    does not load (a warning says why)."""
    from vidrun.config import Config, ConfigError

    text = config_text(runner)
    if text is None:
        return None
    try:
        return Config.fromstring(text, ".py").to_dict()
    except ConfigError as error:
        runner.logger.warning("the config in runner.meta['config'] does not load, so it is not logged as "
                              "parameters: %s", error)
        return None


def flatten(mapping: Mapping, prefix: str = "") -> dict[str, Any]:
    """`{'model': {'backbone': {'depth': 50}}}` -> `{'model.backbone.depth': 50}`; lists and empty dicts are
    values."""
    flat = {}
    for key, value in mapping.items():
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
