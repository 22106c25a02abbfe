"""Averaging tensors across the processes of a distributed run, by mmcv's names (`allreduce_params`,
`allreduce_grads`): what `SyncBuffersHook` uses, and what a model that all-reduces by hand calls. Outside a
process group (or with one process) they change nothing."""
from __future__ import annotations

from collections.abc import Iterable

import torch
import torch.distributed as dist

from vidrun.utils.dist import get_dist_info, is_distributed


def allreduce_params(params: Iterable[torch.Tensor], coalesce: bool = True, bucket_size_mb: int = -1) -> None:
    """Replace each tensor (parameter or buffer) by its mean over the processes, in place. Integer tensors
    (BatchNorm's `num_batches_tracked`) get the floor of the mean. `coalesce` and `bucket_size_mb` are
    accepted for mmcv's callers; the tensors are reduced one by one."""
    _average([p.data for p in params])


def allreduce_grads(params: Iterable[torch.nn.Parameter], coalesce: bool = True, bucket_size_mb: int = -1) -> None:
    """Replace the gradient of each parameter that has one by its mean over the processes, in place (what DDP
    does by itself during `backward`)."""
    _average([p.grad.data for p in params if p.requires_grad and p.grad is not None])


def _average(tensors: list[torch.Tensor]) -> None:
    world_size = get_dist_info()[1]
    if world_size == 1 or not is_distributed():
        return
    for tensor in tensors:
        dist.all_reduce(tensor)
        if tensor.is_floating_point() or tensor.is_complex():
            tensor.div_(world_size)
        else:
            tensor.floor_divide_(world_size)
