"""Per-sample random state: every sample's pipeline runs with Python's `random`, NumPy's global generator and
torch's CPU generator seeded from (the run's seed, the epoch, the sample's index), wherever it runs.

Which process or loader worker reads a sample, and what it read before, then no longer matters: the same
config and seed give the same augmented samples with any number of loader workers or processes, and a
resumed run reads a sample exactly as an uninterrupted one would without reading any sample before it.
The transforms keep calling `np.random` (or `random`, or `torch.rand`) as they always did.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, get_worker_info

_MASK = 2**64 - 1
_GOLDEN = 0x9E3779B97F4A7C15  # added at every step, so that zeros do not stay zero


def _fmix(value: int) -> int:
    # MurmurHash3's 64-bit finaliser: a bijection of 64-bit words that spreads every input bit.
    value ^= value >> 33
    value = (value * 0xFF51AFD7ED558CCD) & _MASK
    value ^= value >> 33
    value = (value * 0xC4CEB9FE1A85EC53) & _MASK
    return value ^ (value >> 33)


def mix_seed(seed: int, *values: int) -> int:
    """A 64-bit seed from `seed` and `values` (the epoch, a sample index), a few µs in pure Python. For a fixed
    prefix, distinct last values give distinct seeds (each step is a bijection)."""
    result = _fmix(((seed & _MASK) + _GOLDEN) & _MASK)
    for value in values:
        result = _fmix(((result ^ (value & _MASK)) + _GOLDEN) & _MASK)
    return result


def seed_generators(value: int) -> None:
    """Seed Python's `random` and torch's CPU generator with the 64-bit `value`, NumPy's global generator with
    its low 32 bits (the range its legacy `seed` takes). About 25 µs in all; torch's CUDA generators are left
    alone (a pipeline runs on the CPU)."""
    random.seed(value)
    np.random.seed(value & 0xFFFFFFFF)
    torch.default_generator.manual_seed(value)


class SeededSamples(Dataset):
    """`dataset` read by `(epoch, index)` keys (what `EpochSampler` yields), each sample with its generators
    seeded by `mix_seed(seed, epoch, index)` first; a plain `index` reads epoch 0.

    In the main process (a loader without workers, or a direct `[key]`), the generators' state is saved
    before a batch and put back after it, so that training's own draws (dropout, mixup) do not depend on
    whether workers read the data. Attributes other than these are the wrapped data set's (`evaluate`,
    `video_infos`, ...), so `loader.dataset` still works as the data set it wraps.
    """

    def __init__(self, dataset: Dataset, seed: int):
        self.dataset = dataset
        self.seed = int(seed)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getattr__(self, name: str) -> Any:
        if name == "dataset":  # not set yet (unpickling in a worker): no recursion
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __getitem__(self, key: tuple[int, int] | int) -> Any:
        return self.__getitems__([key])[0]

    def __getitems__(self, keys: Sequence) -> list:
        """The samples of `keys` (torch's fetcher calls this once a batch)."""
        saved = _save_generators() if get_worker_info() is None else None
        try:
            return [self._read(key) for key in keys]
        finally:
            if saved is not None:
                _restore_generators(saved)

    def _read(self, key: tuple[int, int] | int) -> Any:
        epoch, index = (0, key) if isinstance(key, int) else key
        seed_generators(mix_seed(self.seed, epoch, index))
        return self.dataset[index]


def _save_generators() -> tuple:
    return random.getstate(), np.random.get_state(), torch.default_generator.get_state()


def _restore_generators(saved: tuple) -> None:
    python, numpy, torch_cpu = saved
    random.setstate(python)
    np.random.set_state(numpy)
    torch.default_generator.set_state(torch_cpu)
