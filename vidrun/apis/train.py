"""`train_model`: the data loaders, optimizer, runner and hooks of a config, put together and run."""
from __future__ import annotations

import logging
from collections.abc import Sequence

import torch.distributed as dist
from torch import nn
from torch.optim import Optimizer
from torch.utils.data import Dataset

from vidrun.apis.speed_settings import CompileTimeHook, apply_speed_settings, compile_options
from vidrun.datasets import build_dataloader, build_dataset, dataloader_settings
from vidrun.runner import DistEvalHook, EvalHook, build_optimizer, build_runner
from vidrun.runner.builder import runner_config
from vidrun.runner.checkpointer import find_latest_checkpoint
from vidrun.runner.default_hooks import with_fp16
from vidrun.runner.device import training_device
from vidrun.runner.distributed import DistributedDataParallelWrapper, convert_sync_batchnorm
from vidrun.runner.hooks.preemption import PreemptionHook
from vidrun.runner.preemption import DEFAULT_SIGNALS
from vidrun.utils import barrier, get_dist_info


DIST_ONLY_EVALUATION_KEYS = ("broadcast_bn_buffer", "tmpdir", "gpu_collect")  # DistEvalHook's own


def _evaluation_hook(cfg, distributed: bool) -> EvalHook:
    """`EvalHook` over `data.val` (test mode) with the `evaluation` settings; distributed, `DistEvalHook` over
    a loader that gives each process its shard, in order. `DistEvalHook`'s own keys are dropped in one
    process."""
    val_dataset = build_dataset(cfg.data.val, dict(test_mode=True))
    settings = dataloader_settings(cfg.data, "val", dist=distributed, seed=cfg.get("seed"))
    if distributed:  # every video once, in order: the gathering of the shards relies on it
        settings.update(shuffle=False, drop_last=False)
    options = dict(cfg.get("evaluation") or {})
    if not distributed:  # a config written for several processes also runs (or resumes) in one
        for key in DIST_ONLY_EVALUATION_KEYS:
            options.pop(key, None)
    hook = DistEvalHook if distributed else EvalHook
    return hook(build_dataloader(val_dataset, **settings), **options)


def _preemption_hook(cfg) -> PreemptionHook | None:
    """`preemption=dict(signals=[...])`; absent, SIGTERM and SIGUSR1; None or no signals, no hook."""
    options = cfg.get("preemption", dict(signals=list(DEFAULT_SIGNALS)))
    if options is None or not options.get("signals", DEFAULT_SIGNALS):
        return None
    return PreemptionHook(**dict(options))


def _resume_point(cfg, logger: logging.Logger, distributed: bool) -> str | None:
    """`resume_from`, or with `auto_resume` the newest readable checkpoint of the work dir, as rank 0 finds
    it: every process must continue from the same file, whatever its view of the directory."""
    if cfg.get("resume_from"):
        return cfg.resume_from
    if not cfg.get("auto_resume"):
        return None
    found = [find_latest_checkpoint(cfg.work_dir, logger) if get_dist_info()[0] == 0 else None]
    if distributed:
        dist.broadcast_object_list(found, src=0)
    logger.info("auto-resume: %s", f"continuing from {found[0]}" if found[0] else "no checkpoint yet, starting anew")
    return found[0]


def _model_and_optimizer(model: nn.Module, cfg, distributed: bool,
                         logger: logging.Logger) -> tuple[nn.Module, Optimizer]:
    """`model` on this process's device (`cuda:LOCAL_RANK`, else the CPU) and its optimizer; distributed,
    with `sync_bn` applied and the DDP wrapper put around it once the optimizer is built (on the model itself,
    so `paramwise_cfg` sees its own parameter names). The opt-in `channels_last` and `compile` settings are
    applied to the model before the optimizer sees it (`apply_speed_settings`)."""
    model = model.to(training_device())
    if distributed and cfg.get("sync_bn", False):
        model = convert_sync_batchnorm(model, logger)
    model = apply_speed_settings(model, cfg, logger)  # after sync_bn, which replaces modules
    optimizer = build_optimizer(model, cfg.optimizer)
    if distributed:
        model = DistributedDataParallelWrapper(model, find_unused_parameters=cfg.get("find_unused_parameters", False))
    return model, optimizer


def train_model(model: nn.Module, datasets: Dataset | Sequence[Dataset], cfg, distributed: bool = False,
                validate: bool = False, timestamp: str | None = None, meta: dict | None = None,
                logger: logging.Logger | None = None) -> None:
    """Train `model` on `datasets` (one per `train`/`val` entry of `cfg.workflow`) as `cfg` says.

    The default hooks come from `lr_config`, `optimizer_config` (with `fp16`), `checkpoint_config`,
    `log_config`, `momentum_config` and `custom_hooks`; `validate` adds an `EvalHook` over `data.val` at LOW
    priority, after the checkpoint hook, so that the checkpoint it scores exists. A `PreemptionHook` (LOWEST)
    turns the `preemption` signals (SIGTERM and SIGUSR1 unless the config says otherwise) into a checkpoint
    and `Preempted`. `resume_from` continues a run exactly (`auto_resume` finds the checkpoint); `load_from`
    only loads weights.

    `distributed` (inside a process group, see `init_dist`): each process trains on its shard of the data
    through `DistributedDataParallelWrapper` (`find_unused_parameters` from the config, BatchNorm made
    `SyncBatchNorm` with `sync_bn=True`), every epoch reshuffled (the runner's data cursor calls the
    sampler's `set_epoch` at each pass, mid-epoch resume included, so `DistSamplerSeedHook` is not needed); rank 0 alone
    writes logs and checkpoints, and every rank returns once training has ended on all of them.
    """
    logger = logger or logging.getLogger("vidrun")
    datasets = list(datasets) if isinstance(datasets, (list, tuple)) else [datasets]
    settings = dataloader_settings(cfg.data, "train", dist=distributed, seed=cfg.get("seed"))
    loaders = [build_dataloader(dataset, **settings) for dataset in datasets]
    model, optimizer = _model_and_optimizer(model, cfg, distributed, logger)
    runner = build_runner(runner_config(cfg), dict(model=model, optimizer=optimizer, work_dir=cfg.work_dir,
                                                   logger=logger, meta=meta))
    runner.timestamp = timestamp
    runner.register_training_hooks(cfg.get("lr_config"), with_fp16(cfg.get("optimizer_config"), cfg.get("fp16")),
                                   cfg.get("checkpoint_config"), cfg.get("log_config"), cfg.get("momentum_config"),
                                   custom_hooks_config=cfg.get("custom_hooks"))
    if validate:
        runner.register_hook(_evaluation_hook(cfg, distributed), priority="LOW")
    if compile_options(cfg.get("compile")) is not None:  # LOWEST: its iteration ends after the step
        runner.register_hook(CompileTimeHook(), priority="LOWEST")
    preemption = _preemption_hook(cfg)
    if preemption is not None:  # LOWEST: a stop comes after the evaluation and checkpoint of its iteration
        runner.register_hook(preemption, priority="LOWEST")
    resume_from = _resume_point(cfg, logger, distributed)
    if resume_from:
        runner.resume(resume_from)
    elif cfg.get("load_from"):
        runner.load_checkpoint(cfg.load_from)
    runner.run(loaders, cfg.workflow)
    barrier()  # rank 0's last checkpoint is on disk when train_model returns, on every rank
