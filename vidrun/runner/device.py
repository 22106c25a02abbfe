"""Where training runs: the device of this process and moving batches to a model's device.

With CUDA, a process trains on GPU `LOCAL_RANK` (the one `init_dist` made current; `cuda:0` for a single
process); without it, on the CPU, where moving is a no-op.
"""
from __future__ import annotations

import itertools
from typing import Any

import torch
from torch import nn


def training_device() -> torch.device:
    """`cuda:<current device>` where CUDA is usable (`init_dist` sets it to `LOCAL_RANK`), else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (or buffer); the CPU for a model with neither."""
    tensor = next(itertools.chain(model.parameters(), model.buffers()), None)
    return torch.device("cpu") if tensor is None else tensor.device


def to_device(data: Any, device: torch.device) -> Any:
    """`data` with every tensor inside dicts, lists and tuples moved to `device` (tensors already there are
    kept, not copied); other values (`img_metas` entries, strings) are returned as they are."""
    if isinstance(data, torch.Tensor):
        return data.to(device, non_blocking=True)
    if isinstance(data, dict):
        return {key: to_device(value, device) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        items = [to_device(value, device) for value in data]
        return tuple(items) if isinstance(data, tuple) else items
    return data
