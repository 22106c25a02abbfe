"""`build_runner`: a runner from `runner=dict(type=..., max_epochs|max_iters=N)` or the legacy
`total_epochs`, directly or through a runner constructor (`runner=dict(constructor=...)`, mmcv's extension
point for building a runner in a custom way)."""
from __future__ import annotations

from typing import Any

from vidrun.config import ConfigError
from vidrun.runner.registries import RUNNER_BUILDERS, RUNNERS


def runner_config(cfg: Any) -> dict:
    """The `runner` entry of a whole config, made from `total_epochs` when the config predates `runner`.
    Giving both with different lengths is an error; the returned dict is a copy."""
    total_epochs = cfg.get("total_epochs")
    if cfg.get("runner") is None:
        if total_epochs is None:
            raise ConfigError("runner: missing; set runner=dict(type='EpochBasedRunner', max_epochs=N) "
                              "(or the legacy total_epochs=N)")
        return dict(type="EpochBasedRunner", max_epochs=total_epochs)
    runner = cfg["runner"].copy()
    if total_epochs is not None and runner.get("max_epochs", total_epochs) != total_epochs:
        raise ConfigError(f"total_epochs={total_epochs} and runner.max_epochs={runner['max_epochs']} disagree; "
                          f"keep one of them")
    if total_epochs is not None and runner.get("type") == "EpochBasedRunner":
        runner.setdefault("max_epochs", total_epochs)
    return runner


def build_runner(cfg: dict, default_args: dict | None = None) -> Any:
    """The runner that `cfg` (a `runner` entry) describes; `default_args` supply model, optimizer, work_dir,
    logger and meta. With `constructor='Name'` the runner constructor of that name in `RUNNER_BUILDERS`
    builds it from the rest of `cfg` (see `DefaultRunnerConstructor`)."""
    if "constructor" not in cfg:
        return RUNNERS.build(cfg, default_args)
    runner_cfg = cfg.copy()
    constructor = runner_cfg.pop("constructor")
    return build_runner_constructor(dict(type=constructor, runner_cfg=runner_cfg, default_args=default_args))()


def build_runner_constructor(cfg: dict) -> Any:
    """A runner constructor from `dict(type=..., runner_cfg=..., default_args=...)`."""
    return RUNNER_BUILDERS.build(cfg)


@RUNNER_BUILDERS.register_module()
class DefaultRunnerConstructor:
    """`DefaultRunnerConstructor(runner_cfg, default_args)()` builds `runner_cfg` from `RUNNERS`. A custom
    constructor subclasses it (or follows the same contract) and changes the config or the runner."""

    def __init__(self, runner_cfg: dict, default_args: dict | None = None):
        if not isinstance(runner_cfg, dict):
            raise TypeError(f"runner_cfg must be a dict, not {type(runner_cfg).__name__}")
        self.runner_cfg = runner_cfg
        self.default_args = default_args

    def __call__(self) -> Any:
        return RUNNERS.build(self.runner_cfg, self.default_args)
