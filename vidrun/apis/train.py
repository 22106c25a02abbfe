"""`train_model`: the data loaders, optimizer, runner and hooks of a config, put together and run."""
from __future__ import annotations

import logging
from collections.abc import Sequence

from torch import nn
from torch.utils.data import Dataset

from vidrun.datasets import build_dataloader, build_dataset, dataloader_settings
from vidrun.runner import EvalHook, build_optimizer, build_runner
from vidrun.runner.builder import runner_config
from vidrun.runner.checkpointer import find_latest_checkpoint
from vidrun.runner.default_hooks import with_fp16


def _evaluation_hook(cfg, distributed: bool) -> EvalHook:
    """`EvalHook` over `data.val` (test mode) with the `evaluation` settings."""
    val_dataset = build_dataset(cfg.data.val, dict(test_mode=True))
    settings = dataloader_settings(cfg.data, "val", dist=distributed, seed=cfg.get("seed"))
    return EvalHook(build_dataloader(val_dataset, **settings), **dict(cfg.get("evaluation") or {}))


def _resume_point(cfg, logger: logging.Logger) -> str | None:
    """`resume_from`, or with `auto_resume` the newest readable checkpoint of the work dir."""
    if cfg.get("resume_from"):
        return cfg.resume_from
    if cfg.get("auto_resume"):
        found = find_latest_checkpoint(cfg.work_dir, logger)
        logger.info("auto-resume: %s", f"continuing from {found}" if found else "no checkpoint yet, starting anew")
        return found
    return None


def train_model(model: nn.Module, datasets: Dataset | Sequence[Dataset], cfg, distributed: bool = False,
                validate: bool = False, timestamp: str | None = None, meta: dict | None = None,
                logger: logging.Logger | None = None) -> None:
    """Train `model` on `datasets` (one per `train`/`val` entry of `cfg.workflow`) as `cfg` says.

    The default hooks come from `lr_config`, `optimizer_config` (with `fp16`), `checkpoint_config`,
    `log_config`, `momentum_config` and `custom_hooks`; `validate` adds an `EvalHook` over `data.val` at LOW
    priority, after the checkpoint hook, so that the checkpoint it scores exists. `resume_from` continues a
    run exactly (`auto_resume` finds the checkpoint); `load_from` only loads weights.
    """
    logger = logger or logging.getLogger("vidrun")
    datasets = list(datasets) if isinstance(datasets, (list, tuple)) else [datasets]
    settings = dataloader_settings(cfg.data, "train", dist=distributed, seed=cfg.get("seed"))
    loaders = [build_dataloader(dataset, **settings) for dataset in datasets]
    optimizer = build_optimizer(model, cfg.optimizer)
    runner = build_runner(runner_config(cfg), dict(model=model, optimizer=optimizer, work_dir=cfg.work_dir,
                                                   logger=logger, meta=meta))
    runner.timestamp = timestamp
    runner.register_training_hooks(cfg.get("lr_config"), with_fp16(cfg.get("optimizer_config"), cfg.get("fp16")),
                                   cfg.get("checkpoint_config"), cfg.get("log_config"), cfg.get("momentum_config"),
                                   custom_hooks_config=cfg.get("custom_hooks"))
    if validate:
        runner.register_hook(_evaluation_hook(cfg, distributed), priority="LOW")
    resume_from = _resume_point(cfg, logger)
    if resume_from:
        runner.resume(resume_from)
    elif cfg.get("load_from"):
        runner.load_checkpoint(cfg.load_from)
    runner.run(loaders, cfg.workflow)
