"""`WandbLoggerHook`: a Weights & Biases run, offline in the work dir unless W&B credentials are set up."""
from __future__ import annotations

import os
from typing import Any

from vidrun.runner.hooks.hook import HOOKS
from vidrun.runner.hooks.logger.base import exception_line
from vidrun.runner.hooks.logger.tracking import (TrackingLoggerHook, config_dict, config_text, experiment_name,
                                                 import_backend)


@HOOKS.register_module()
class WandbLoggerHook(TrackingLoggerHook):
    """Logs the scalars of `TrackingLoggerHook` to a W&B run made by `wandb.init(**init_kwargs)`.

    `init_kwargs` defaults: `dir` the work dir (runs go to `<work_dir>/wandb/`), `config` the resolved config,
    and `mode='offline'` when no mode is asked for (`init_kwargs['mode']`, `WANDB_MODE`) and W&B has no
    credentials (`WANDB_API_KEY`, `.netrc`); upload such a run later with `wandb sync`. `with_step` logs at
    the global step, else with `commit` and the step as `global_step`. `define_metric_cfg` maps metric names
    to summaries (`{'val/top1_acc': 'max'}`). At the end, with `log_artifact`, the run's text and JSON logs
    and its config (`<exp_name>.py`) are logged as an artifact. A run that raises finishes with exit code 1
    (W&B shows it as crashed, or failed), without the artifact. Needs the `wandb` package, checked when the
    hook is built.
    """

    def __init__(self, init_kwargs: dict | None = None, interval: int = 10, ignore_last: bool = True,
                 reset_flag: bool = False, commit: bool = True, by_epoch: bool | None = None,
                 with_step: bool = True, log_artifact: bool = True, define_metric_cfg: dict | None = None):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        import_backend("wandb", type(self).__name__, "wandb")
        self.init_kwargs = dict(init_kwargs or {})
        self.commit = commit
        self.with_step = with_step
        self.log_artifact = log_artifact
        self.define_metric_cfg = dict(define_metric_cfg or {})
        self.run = None

    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        if runner.rank != 0:
            return
        import wandb

        kwargs = dict(self.init_kwargs)
        if runner.work_dir is not None:
            kwargs.setdefault("dir", runner.work_dir)
        config = config_dict(runner) if "config" not in kwargs else None
        if config is not None:
            kwargs["config"] = config
        if "mode" not in kwargs and not os.environ.get("WANDB_MODE") and not _has_credentials():
            kwargs["mode"] = "offline"
            runner.logger.info("W&B has no credentials (WANDB_API_KEY, .netrc): the run is saved offline under "
                               "%s; upload it with `wandb sync`", os.path.join(kwargs.get("dir", "."), "wandb"))
        self.run = wandb.init(**kwargs)
        for name, summary in self.define_metric_cfg.items():
            self.run.define_metric(name, summary=summary)

    def log_scalars(self, runner: Any, scalars: dict[str, float], step: int) -> None:
        if self.with_step:
            self.run.log(scalars, step=step)
        else:
            self.run.log(dict(scalars, global_step=step), commit=self.commit)

    def after_run(self, runner: Any) -> None:
        if self.run is None:
            return
        if self.log_artifact:
            self.run.log_artifact(_run_files(runner, self.run.id))
        self.run.finish()
        self.run = None

    def on_exception(self, runner: Any, exc: BaseException) -> None:
        if self.run is None:
            return
        self.run.summary["vidrun.exception"] = exception_line(exc)
        self.run.finish(exit_code=1)
        self.run = None


def _run_files(runner: Any, run_id: str) -> Any:
    """An artifact of this run's `<timestamp>.log` and `<timestamp>.log.json` and its config."""
    import wandb

    artifact = wandb.Artifact(f"logs-{run_id}", type="run_logs")
    timestamp = getattr(runner, "timestamp", None)
    for suffix in (".log", ".log.json"):
        path = os.path.join(runner.work_dir or "", f"{timestamp}{suffix}")
        if timestamp and os.path.isfile(path):
            artifact.add_file(path)
    text = config_text(runner)
    if text is not None:
        with artifact.new_file(f"{experiment_name(runner)}.py", encoding="utf-8") as file:
            file.write(text)
    return artifact


def _has_credentials() -> bool:
    """Whether wandb would find credentials: the environment, its settings, `.netrc` for its host. Asked
    without the network (`wandb.login` contacts the server), through wandb's own readers; a wandb without
    them (older than `wbauth`) counts the environment only."""
    if os.environ.get("WANDB_API_KEY") or os.environ.get("WANDB_IDENTITY_TOKEN_FILE"):
        return True
    try:
        from wandb.errors import AuthenticationError
        from wandb.sdk.lib import wbauth
        from wandb.sdk.wandb_setup import singleton
    except ImportError:
        return False
    settings = singleton().settings
    try:
        return bool(settings.api_key) or wbauth.read_netrc_auth(host=settings.base_url) is not None
    except AuthenticationError:
        return True  # a key in a bad format: wandb.init says what is wrong with it
