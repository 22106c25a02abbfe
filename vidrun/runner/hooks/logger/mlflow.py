"""`MlflowLoggerHook`: a run in an MLflow experiment, by default in a SQLite store in the work dir."""
from __future__ import annotations

import contextlib
import logging
import os
import pathlib
import re
import time
from collections.abc import Iterator
from typing import Any

from vidrun.runner.hooks.hook import HOOKS
from vidrun.runner.hooks.logger.base import exception_line
from vidrun.runner.hooks.logger.tracking import (TrackingLoggerHook, config_dict, config_text, experiment_name,
                                                 flatten, import_backend)

MAX_PARAM_LENGTH = 6000  # mlflow's MAX_PARAM_VAL_LENGTH (mlflow.utils.validation) since 2.x
MAX_PER_BATCH = 100      # params (and tags) one log_batch call takes: MAX_PARAMS_TAGS_PER_BATCH
NOT_IN_NAMES = re.compile(r"[^\w./\- :]")  # what mlflow refuses in param and metric names


@HOOKS.register_module()
class MlflowLoggerHook(TrackingLoggerHook):
    """Logs to an MLflow run: the resolved config, flattened to dotted keys (`model.backbone.depth`), and
    `params` as parameters; the scalars of `TrackingLoggerHook` as metrics at the global step; at the end
    the config (`<exp_name>.py`) and, with `log_model`, the last checkpoint as artifacts, then marks the run
    FINISHED.

    `tracking_uri` defaults to `sqlite:///<work_dir>/mlflow.db` with artifacts in `<work_dir>/mlruns`
    (`mlflow ui --backend-store-uri sqlite:///<work_dir>/mlflow.db`); `exp_name` to the config file's name.
    Parameter values longer than mlflow's limit are cut, ending in '...'. A run that raises ends FAILED
    (KILLED on Ctrl-C), its exception in the tag `vidrun.exception`. Needs the `mlflow` package, checked when
    the hook is built.
    """

    def __init__(self, exp_name: str | None = None, tags: dict | None = None, params: dict | None = None,
                 log_model: bool = True, tracking_uri: str | None = None, interval: int = 10,
                 ignore_last: bool = True, reset_flag: bool = False, by_epoch: bool | None = None):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        import_backend("mlflow", type(self).__name__, "mlflow")
        self.exp_name = exp_name
        self.tags = dict(tags or {})
        self.params = dict(params or {})
        self.log_model = log_model
        self.tracking_uri = tracking_uri
        self.client = self.run_id = None

    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        if runner.rank != 0:
            return
        from mlflow import MlflowClient

        tracking_uri, artifact_location = self.tracking_uri, None
        if tracking_uri is None:
            if runner.work_dir is None:
                raise ValueError("MlflowLoggerHook needs a tracking_uri, or a runner with a work_dir")
            tracking_uri = f"sqlite:///{os.path.join(runner.work_dir, 'mlflow.db')}"
            artifact_location = pathlib.Path(runner.work_dir, "mlruns").as_uri()
        name = self.exp_name or experiment_name(runner)
        with _quiet_store_creation():
            self.client = MlflowClient(tracking_uri)
            experiment = self.client.get_experiment_by_name(name)
        experiment_id = experiment.experiment_id if experiment is not None else \
            self.client.create_experiment(name, artifact_location)
        run = self.client.create_run(experiment_id, tags={k: str(v) for k, v in self.tags.items()},
                                     run_name=getattr(runner, "timestamp", None))
        self.run_id = run.info.run_id
        self._log_params(runner)
        runner.logger.info("MLflow run %s of experiment %r in %s", self.run_id, name, tracking_uri)

    def _log_params(self, runner: Any) -> None:
        from mlflow.entities import Param

        params = flatten(config_dict(runner) or {})
        params.update(flatten(self.params))  # the user's values win over the config's
        entries = [Param(NOT_IN_NAMES.sub("_", key), _cut(str(value))) for key, value in params.items()]
        for start in range(0, len(entries), MAX_PER_BATCH):
            self.client.log_batch(self.run_id, params=entries[start:start + MAX_PER_BATCH])

    def log_scalars(self, runner: Any, scalars: dict[str, float], step: int) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        self.client.log_batch(self.run_id, metrics=[Metric(NOT_IN_NAMES.sub("_", key), value, now, step)
                                                    for key, value in scalars.items()])

    def after_run(self, runner: Any) -> None:
        if self.client is None:
            return
        text = config_text(runner)
        if text is not None:
            self.client.log_text(self.run_id, text, f"{experiment_name(runner)}.py")
        if self.log_model:
            checkpoint = _last_checkpoint(runner)
            if checkpoint is None:
                runner.logger.warning("MlflowLoggerHook(log_model=True): no checkpoint was saved, none is logged")
            else:
                self.client.log_artifact(self.run_id, checkpoint, "checkpoints")
        self.client.set_terminated(self.run_id, "FINISHED")
        self.client = None

    def on_exception(self, runner: Any, exc: BaseException) -> None:
        if self.client is None:
            return
        self.client.set_tag(self.run_id, "vidrun.exception", _cut(exception_line(exc)))
        self.client.set_terminated(self.run_id, "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED")
        self.client = None


def _last_checkpoint(runner: Any) -> str | None:
    """The file `CheckpointHook` saved last (where `latest.pth` points), by its own name."""
    last = ((runner.meta or {}).get("hook_msgs") or {}).get("last_ckpt")
    if last and os.path.isfile(last):
        return last
    latest = os.path.join(runner.work_dir or "", "latest.pth")
    return latest if os.path.isfile(latest) else None


def _cut(value: str) -> str:
    return value if len(value) <= MAX_PARAM_LENGTH else value[:MAX_PARAM_LENGTH - 3] + "..."


@contextlib.contextmanager
def _quiet_store_creation() -> Iterator[None]:
    """Silence mlflow's INFO lines about creating and migrating a new database."""
    loggers = [logging.getLogger(name) for name in ("mlflow.store.db.utils", "alembic")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
