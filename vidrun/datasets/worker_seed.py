"""Seeding data loader workers from the run's seed, the rank and the worker id.

Every worker gets its own stream for NumPy, Python's `random` and torch, derived from four numbers: the run's
seed, the process rank, the worker id and the loader's per-pass base seed (which torch draws from the main
process's generator when a pass starts, so that augmentations differ from epoch to epoch yet are reproduced
exactly by the same seed). Mixing in the rank keeps ranks apart even when every rank was seeded alike.
"""
from __future__ import annotations

import random

import numpy as np
import torch


def worker_seed(seed: int, rank: int, worker_id: int, base_seed: int) -> int:
    """A 32-bit seed that differs for any change of the four inputs."""
    sequence = np.random.SeedSequence([seed % 2**32, rank, worker_id, base_seed % 2**64])
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def worker_init_fn(worker_id: int, num_workers: int, rank: int, seed: int) -> None:
    """`DataLoader(worker_init_fn=functools.partial(worker_init_fn, num_workers=..., rank=..., seed=...))`."""
    # In a worker, torch.initial_seed() is the pass's base seed plus the worker id.
    base_seed = torch.initial_seed() - worker_id
    value = worker_seed(seed, rank, worker_id, base_seed)
    np.random.seed(value)
    random.seed(value)
    torch.manual_seed(value)
