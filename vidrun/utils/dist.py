"""Where this process sits in a distributed run, without requiring one."""
from __future__ import annotations

import os


def get_dist_info() -> tuple[int, int]:
    """`(rank, world_size)`: from the initialised process group, else from the variables `torchrun` sets
    (`RANK`, `WORLD_SIZE`, so that logging is rank-aware before the group exists), else `(0, 1)`."""
    import torch.distributed as dist  # imported here so that config-only commands do not pay for torch

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
