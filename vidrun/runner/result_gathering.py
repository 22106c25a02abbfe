"""Putting back together what the ranks of a distributed test computed: `collect_results` (each rank's share of
a data set, gathered in data-set order without the sampler's padding) and `broadcast_object` (rank 0's scores
to every rank).

A `DistributedSampler` without shuffling gives rank r of W the indices r, r+W, r+2W, ... of the data set,
padded by repeating the first indices until every rank has `ceil(size / W)`; so sample i is entry i // W of
rank i % W's part, and whatever lies past `size` is padding.
"""
from __future__ import annotations

import math
import os
import pickle
import shutil
import tempfile
from typing import Any

import torch.distributed as dist

from vidrun.utils.dist import get_dist_info, is_distributed


def collect_results(part: list, size: int, tmpdir: str | None = None) -> list | None:
    """The `size` results of the whole data set, in its order, on rank 0 (None on the other ranks); outside a
    process group, `part[:size]`.

    By default the parts travel through the process group (`all_gather_object`: through the CPU with Gloo,
    through the current GPU with NCCL). With `tmpdir`, a directory every rank can reach (on a shared file
    system for several machines), each rank pickles its part into a fresh sub-directory of it instead, which
    rank 0 reads and removes: for results too large to hold W times in one process's (or GPU's) memory.
    Every rank must call it, with the part it got from a non-shuffling `DistributedSampler` over the data set.
    """
    rank, world_size = get_dist_info()
    if not is_distributed() or world_size == 1:
        return list(part[:size])
    parts = _gather_in_files(part, tmpdir) if tmpdir is not None else _gather_in_memory(part)
    if rank != 0:
        return None
    expected = math.ceil(size / world_size)
    if [len(p) for p in parts] != [expected] * world_size:
        raise ValueError(f"collect_results: the ranks hold {[len(p) for p in parts]} results for a data set of "
                         f"{size} over {world_size} processes; each must hold {expected}, as a "
                         f"DistributedSampler without shuffling gives them (drop_last=False)")
    return [parts[i % world_size][i // world_size] for i in range(size)]


def _gather_in_memory(part: list) -> list[list] | None:
    parts: list = [None] * get_dist_info()[1]
    dist.all_gather_object(parts, list(part))
    return parts


def _gather_in_files(part: list, tmpdir: str) -> list[list] | None:
    """Rank 0 makes a fresh directory under `tmpdir` and tells the others; each writes `part_<rank>.pkl` there;
    after a barrier rank 0 reads them all and removes the directory (only it, never `tmpdir`); a last barrier
    keeps a later call from writing into the directory being removed."""
    rank, world_size = get_dist_info()
    folder = [None]
    if rank == 0:
        os.makedirs(tmpdir, exist_ok=True)
        folder = [tempfile.mkdtemp(prefix="results-", dir=tmpdir)]
    dist.broadcast_object_list(folder, src=0)
    with open(os.path.join(folder[0], f"part_{rank}.pkl"), "wb") as f:
        pickle.dump(list(part), f, protocol=pickle.HIGHEST_PROTOCOL)
    dist.barrier()
    parts = None
    if rank == 0:
        try:
            parts = []
            for index in range(world_size):
                with open(os.path.join(folder[0], f"part_{index}.pkl"), "rb") as f:
                    parts.append(pickle.load(f))
        finally:
            shutil.rmtree(folder[0], ignore_errors=True)
    dist.barrier()
    return parts


def broadcast_object(obj: Any, src: int = 0) -> Any:
    """`obj` as rank `src` has it, on every rank (outside a process group, `obj` itself)."""
    if not is_distributed():
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]
