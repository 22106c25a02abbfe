"""`build_dataset` and `build_dataloader`: where the `data` section of a config meets torch's data loading."""
from __future__ import annotations

from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset

from vidrun.datasets.collate import collate
from vidrun.datasets.registries import DATASETS
from vidrun.datasets.sample_seed import SeededSamples, mix_seed
from vidrun.datasets.samplers import EpochSampler
from vidrun.registry import build_from_cfg
from vidrun.utils import get_dist_info

SPLITS = ("train", "val", "test")


def build_dataset(cfg: dict, default_args: dict | None = None) -> Dataset:
    """A data set from its config; `RepeatDataset`'s inner `dataset` dict is built first."""
    if cfg.get("type") == "RepeatDataset" and isinstance(cfg.get("dataset"), dict):
        inner = build_dataset(cfg["dataset"], default_args)
        return build_from_cfg({**cfg, "dataset": inner}, DATASETS)
    return build_from_cfg(cfg, DATASETS, default_args)


def _base_dataset(dataset: Dataset) -> Dataset:
    while hasattr(dataset, "dataset"):
        dataset = dataset.dataset
    return dataset


def build_dataloader(dataset: Dataset, videos_per_gpu: int, workers_per_gpu: int, num_gpus: int = 1,
                     dist: bool = True, shuffle: bool = True, seed: int | None = None, drop_last: bool = False,
                     pin_memory: bool = True, persistent_workers: bool = True, skip_bad: bool | None = None,
                     **kwargs: Any) -> DataLoader:
    """A `DataLoader` batching `videos_per_gpu` samples per process.

    Every pass reads the samples in an order drawn from (`seed`, epoch) alone (`EpochSampler`, whose
    `set_epoch` the runner calls every pass), and every sample's pipeline runs with the random generators
    seeded from (`seed`, epoch, index) (`SeededSamples`): batches and augmentations do not depend on the number
    of workers, nor, at the same global batch, on the number of processes. Distributed (`dist=True` inside a
    process group), each rank reads its share of that order; otherwise one process reads `num_gpus ·
    videos_per_gpu` a batch. `seed=None` draws one from torch's global generator. `loader.dataset` is the
    `SeededSamples` around `dataset` (its attributes are `dataset`'s). Workers stay alive between passes
    (`persistent_workers`) where there are any. `skip_bad` sets the data set's `skip_bad` (bad videos replaced
    and counted instead of raising). Other keywords go to `DataLoader` (`prefetch_factor`,
    `multiprocessing_context`, ...). Memory is pinned only where there is a GPU to copy to.
    """
    rank, world_size = get_dist_info()
    if skip_bad is not None:
        _base_dataset(dataset).skip_bad = skip_bad
    if seed is None:
        seed = int(torch.empty((), dtype=torch.int64).random_().item())
    if dist and world_size > 1:
        batch_size, num_workers = videos_per_gpu, workers_per_gpu
    else:
        rank, world_size = 0, 1
        batch_size, num_workers = num_gpus * videos_per_gpu, num_gpus * workers_per_gpu
    sampler = EpochSampler(len(dataset), world_size, rank, shuffle=shuffle, seed=seed)
    # A loader of its own draws the workers' base seeds, which nothing reads now that every sample is seeded:
    # starting a pass then leaves torch's global generator (dropout, mixup) alone, workers or not.
    kwargs.setdefault("generator", torch.Generator().manual_seed(mix_seed(seed, rank)))
    return DataLoader(SeededSamples(dataset, seed), batch_size=batch_size, sampler=sampler,
                      num_workers=num_workers, collate_fn=collate,
                      pin_memory=pin_memory and torch.cuda.is_available(), drop_last=drop_last,
                      persistent_workers=bool(persistent_workers) and num_workers > 0, **kwargs)


def dataloader_settings(data_cfg: dict, split: str, *, dist: bool, seed: int | None,
                        num_gpus: int = 1) -> dict:
    """The keyword arguments of `build_dataloader` for `split` of a config's `data` section.

    The shared `videos_per_gpu`/`workers_per_gpu` apply to every split; `data.<split>_dataloader` overrides
    them for one split (`test_dataloader=dict(videos_per_gpu=1)`); so do `persistent_workers` (default on where
    there are workers) and `data.<split>_dataloader.persistent_workers`. Validation and test neither shuffle nor drop
    samples unless their own override says so.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    settings = dict(videos_per_gpu=data_cfg.get("videos_per_gpu", 1), workers_per_gpu=data_cfg.get(
        "workers_per_gpu", 1), num_gpus=num_gpus, dist=dist, seed=seed)
    if "persistent_workers" in data_cfg:  # on by default (build_dataloader's), for every split
        settings.update(persistent_workers=data_cfg["persistent_workers"])
    if split != "train":
        settings.update(shuffle=False, drop_last=False)
    settings.update(data_cfg.get(f"{split}_dataloader", None) or {})
    return settings
