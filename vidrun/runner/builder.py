"""`build_runner`: a runner from `runner=dict(type=..., max_epochs|max_iters=N)` or the legacy
`total_epochs`."""
from __future__ import annotations

from typing import Any

from vidrun.config import ConfigError
from vidrun.runner.registries import RUNNERS


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
    logger and meta."""
    return RUNNERS.build(cfg, default_args)
