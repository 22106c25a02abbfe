"""Data-parallel training across processes: `DistributedDataParallelWrapper` and `convert_sync_batchnorm`."""
from __future__ import annotations

import logging
from typing import Any

from torch import nn
from torch.nn.parallel import DistributedDataParallel

from vidrun.runner.device import model_device


class DistributedDataParallelWrapper(DistributedDataParallel):
    """`DistributedDataParallel` with the runner's `train_step` and `val_step`.

    DDP averages gradients across processes from hooks that its own `forward` arms, so the training step's
    forward must run through `self(...)`: calling `self.module.train_step` would train every process on its
    own gradients without a word. `train_step` therefore calls `self(**data_batch)` for the loss terms and
    hands them to the model's `step_outputs(losses, data_batch)` (see `BaseRecognizer`), which makes the
    outputs exactly as the model's own `train_step` does. `val_step` needs no gradients, so it is the model's.
    The model's parameters and buffers are broadcast from rank 0 when the wrapper is made; buffers are not
    broadcast again before each forward (`forward_sync_buffers=False`, the tutorial's toolbox's
    `broadcast_buffers=False`), so BatchNorm keeps per-process running statistics unless converted to
    `SyncBatchNorm`. Checkpoints hold the unwrapped model's keys (`unwrap_model`).
    """

    def __init__(self, module: nn.Module, find_unused_parameters: bool = False, **kwargs: Any):
        if not callable(getattr(module, "step_outputs", None)):
            raise TypeError(f"{type(module).__name__} has no step_outputs(losses, data_batch): distributed "
                            f"training runs the forward through DDP and needs the model to turn the loss terms "
                            f"into train_step's outputs (as BaseRecognizer does)")
        device = model_device(module)
        if device.type == "cuda":  # one GPU per process: DDP also moves the forward's inputs there
            kwargs.setdefault("device_ids", [device.index])
        if "broadcast_buffers" not in kwargs:  # deprecated in torch 2.13 for forward_sync_buffers
            kwargs.setdefault("forward_sync_buffers", False)
        super().__init__(module, find_unused_parameters=find_unused_parameters, **kwargs)

    def train_step(self, data_batch: dict, optimizer: Any = None) -> dict:
        return self.module.step_outputs(self(**data_batch), data_batch)

    def val_step(self, data_batch: dict, optimizer: Any = None) -> dict:
        return self.module.val_step(data_batch, optimizer)


def convert_sync_batchnorm(model: nn.Module, logger: logging.Logger) -> nn.Module:
    """`model` with every BatchNorm layer a `SyncBatchNorm` (statistics over the whole global batch), where the
    model is on a GPU. torch's SyncBatchNorm refuses CPU tensors (checked on torch 2.13 with Gloo: a
    ValueError at the first training forward), so on the CPU the model is returned unchanged, with a warning:
    each process normalises with its own batch's statistics."""
    if model_device(model).type == "cpu":
        logger.warning("sync_bn=True: torch's SyncBatchNorm runs on GPUs only; on the CPU each process keeps "
                       "its own BatchNorm statistics")
        return model
    logger.info("sync_bn=True: BatchNorm layers converted to SyncBatchNorm")
    return nn.SyncBatchNorm.convert_sync_batchnorm(model)
