"""`build_dataset` and `build_dataloader`: where the `data` section of a config meets torch's data loading."""
from __future__ import annotations

import functools
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from vidrun.datasets.collate import collate
from vidrun.datasets.registries import DATASETS
from vidrun.datasets.worker_seed import worker_init_fn
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
                     pin_memory: bool = True, persistent_workers: bool = False, skip_bad: bool | None = None,
                     **kwargs: Any) -> DataLoader:
    """A `DataLoader` batching `videos_per_gpu` samples per process.

    Distributed (`dist=True` inside a process group), each rank reads its share through a `DistributedSampler`
    (whose `set_epoch` the runner calls every epoch); otherwise one process reads `num_gpus·videos_per_gpu` a
    batch. Workers are seeded from `seed`, the rank and the worker id (`worker_seed`). `skip_bad` sets the data
    set's `skip_bad` (bad videos replaced and counted instead of raising). Other keywords go to `DataLoader`
    (`prefetch_factor`, `multiprocessing_context`, ...). Memory is pinned only where there is a GPU to copy to.
    """
    rank, world_size = get_dist_info()
    if skip_bad is not None:
        _base_dataset(dataset).skip_bad = skip_bad
    if dist and world_size > 1:
        sampler = DistributedSampler(dataset, world_size, rank, shuffle=shuffle, seed=seed or 0)
        shuffle, batch_size, num_workers = False, videos_per_gpu, workers_per_gpu
    else:
        sampler, batch_size, num_workers = None, num_gpus * videos_per_gpu, num_gpus * workers_per_gpu
    init_fn = None
    if seed is not None and num_workers > 0:
        init_fn = functools.partial(worker_init_fn, num_workers=num_workers, rank=rank, seed=seed)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=num_workers,
                      collate_fn=collate, pin_memory=pin_memory and torch.cuda.is_available(), shuffle=shuffle,
                      worker_init_fn=init_fn,
                      drop_last=drop_last, persistent_workers=persistent_workers and num_workers > 0, **kwargs)


def dataloader_settings(data_cfg: dict, split: str, *, dist: bool, seed: int | None,
                        num_gpus: int = 1) -> dict:
    """The keyword arguments of `build_dataloader` for `split` of a config's `data` section.

    The shared `videos_per_gpu`/`workers_per_gpu` apply to every split; `data.<split>_dataloader` overrides
    them for one split (`test_dataloader=dict(videos_per_gpu=1)`). Validation and test neither shuffle nor drop
    samples unless their own override says so.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    settings = dict(videos_per_gpu=data_cfg.get("videos_per_gpu", 1), workers_per_gpu=data_cfg.get(
        "workers_per_gpu", 1), num_gpus=num_gpus, dist=dist, seed=seed)
    if split != "train":
        settings.update(shuffle=False, drop_last=False)
    settings.update(data_cfg.get(f"{split}_dataloader", None) or {})
    return settings
