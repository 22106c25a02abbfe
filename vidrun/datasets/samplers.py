"""`EpochSampler`: one order of the samples per epoch for the whole job, dealt to the processes in turn."""
from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch.utils.data import Sampler

from vidrun.datasets.sample_seed import mix_seed


class EpochSampler(Sampler):
    """The `size` samples of an epoch, shuffled from `(seed, epoch)` alone, dealt to `num_replicas` processes in
    turn (process `rank` reads places `rank`, `rank + num_replicas`, ...), each as an `(epoch, index)` key for
    `SeededSamples`.

    The order does not depend on the number of processes: a step of `num_replicas` processes reading `b`
    samples each reads the same samples as one process reading `num_replicas · b` from the same order. As in
    torch's `DistributedSampler`, the order is padded with its own first samples to a multiple of
    `num_replicas`, so every process reads `ceil(size / num_replicas)`.

    `set_epoch(e)` picks the epoch of the next pass; a pass without it reads the epoch after the previous one.
    `start_at(k)` makes the next pass begin at place `k` of this process's share, so a resumed run reads no
    sample before its position; `len` stays the whole share.
    """

    def __init__(self, size: int, num_replicas: int = 1, rank: int = 0, shuffle: bool = True, seed: int = 0):
        if num_replicas < 1 or not 0 <= rank < num_replicas:
            raise ValueError(f"EpochSampler: rank {rank} is not one of {num_replicas} processes")
        self.size, self.num_replicas, self.rank = size, num_replicas, rank
        self.shuffle, self.seed = shuffle, int(seed)
        self.num_samples = math.ceil(size / num_replicas)
        self.epoch = 0
        self._start = 0

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def start_at(self, place: int) -> None:
        """The next pass begins at `place` of this process's share (0 ≤ place ≤ its length)."""
        if not 0 <= place <= self.num_samples:
            raise ValueError(f"EpochSampler: start {place} is outside this process's {self.num_samples} samples")
        self._start = place

    def order(self, epoch: int) -> list[int]:
        """Every process's samples of `epoch`, interleaved, padded to `num_replicas · len(self)`."""
        if self.shuffle:
            generator = torch.Generator().manual_seed(mix_seed(self.seed, epoch))
            order = torch.randperm(self.size, generator=generator).tolist()
        else:
            order = list(range(self.size))
        padding = self.num_samples * self.num_replicas - self.size
        return order + (order * math.ceil(padding / max(self.size, 1)))[:padding]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        epoch, start = self.epoch, self._start
        self.epoch, self._start = epoch + 1, 0
        share = self.order(epoch)[self.rank::self.num_replicas]
        return iter([(epoch, index) for index in share[start:]])
