"""Per-sample random state: the same samples, augmentations and orders with any number of loader workers or
processes, epochs that differ, and the main process's generators left alone."""
import random

import numpy as np
import pytest
import torch
from torch.utils.data import Dataset

from vidrun.datasets import build_dataloader
from vidrun.datasets.sample_seed import SeededSamples, mix_seed, seed_generators
from vidrun.datasets.samplers import EpochSampler


class Draws(Dataset):
    """Each sample is its index and one draw from each generator a transform may call."""

    def __len__(self):
        return 12

    def __getitem__(self, index):
        return {"index": index, "draws": torch.tensor([random.random(), np.random.rand(), torch.rand(()).item()],
                                                      dtype=torch.float64)}

    def evaluate(self, results):
        return {"n": len(results)}


def passes(loader, count=2):
    return [[(b["index"].tolist(), b["draws"]) for b in loader] for _ in range(count)]


def assert_same(a, b):
    assert [[i for i, _ in p] for p in a] == [[i for i, _ in p] for p in b]
    assert all(torch.equal(x, y) for pa, pb in zip(a, b) for (_, x), (_, y) in zip(pa, pb))


@pytest.mark.parametrize("workers, persistent", [(1, False), (2, False), (2, True)])
def test_workers_read_what_the_main_process_reads(workers, persistent):
    def loader(num_workers, persistent_workers=True):
        return build_dataloader(Draws(), videos_per_gpu=5, workers_per_gpu=num_workers, dist=False, seed=3,
                                persistent_workers=persistent_workers)

    torch.manual_seed(0)
    reference = passes(loader(0))
    torch.manual_seed(1)  # the global generators' state does not matter either
    assert_same(passes(loader(workers, persistent)), reference)
    first, second = reference
    assert [i for i, _ in first] != [i for i, _ in second]  # a new order each epoch...
    by_index = [{i: d for ii, dd in p for i, d in zip(ii, dd)} for p in reference]
    assert not any(torch.equal(by_index[0][i], by_index[1][i]) for i in range(12))  # ...and new draws


def test_a_sample_draws_the_same_whatever_the_order_and_the_batch():
    def by_index(**options):
        loader = build_dataloader(Draws(), workers_per_gpu=0, dist=False, seed=3, **options)
        return {i: d for ii, dd in passes(loader, 1)[0] for i, d in zip(ii, dd)}

    shuffled, in_order = by_index(videos_per_gpu=5), by_index(videos_per_gpu=2, shuffle=False)
    assert all(torch.equal(shuffled[i], in_order[i]) for i in range(12))
    seed_generators(mix_seed(3, 0, 7))
    assert torch.equal(Draws()[7]["draws"], in_order[7])  # exactly the documented seed


def test_the_main_process_generators_are_left_alone():
    torch.manual_seed(5)
    random.seed(5)
    np.random.seed(5)
    expected = (random.random(), np.random.rand(), torch.rand(()).item())
    torch.manual_seed(5)
    random.seed(5)
    np.random.seed(5)
    loader = build_dataloader(Draws(), videos_per_gpu=4, workers_per_gpu=0, dist=False, seed=0)
    list(loader)
    assert (random.random(), np.random.rand(), torch.rand(()).item()) == expected


def test_the_wrapped_data_set_is_still_the_loaders_data_set():
    loader = build_dataloader(Draws(), videos_per_gpu=4, workers_per_gpu=0, dist=False, seed=0)
    assert isinstance(loader.dataset, SeededSamples) and len(loader.dataset) == 12
    assert loader.dataset.evaluate([0] * 12) == {"n": 12}
    assert loader.dataset[(1, 4)]["index"] == 4


def test_two_processes_read_per_step_what_one_reads_with_their_global_batch():
    one = EpochSampler(10, seed=4)
    two = [EpochSampler(10, 2, rank, seed=4) for rank in (0, 1)]
    for sampler in (one, *two):
        sampler.set_epoch(2)
    single = [index for _, index in one]
    shares = [[index for _, index in sampler] for sampler in two]
    for step in range(2):  # 2 processes x 2 samples = 1 process x 4 samples
        assert sorted(shares[0][2 * step:2 * step + 2] + shares[1][2 * step:2 * step + 2]) == sorted(
            single[4 * step:4 * step + 4])
    assert sorted(single) == list(range(10)) and len(shares[0]) == len(shares[1]) == 5


def test_start_at_skips_the_share_once_and_epochs_advance_without_set_epoch():
    sampler = EpochSampler(9, 2, 1, seed=1)
    whole = list(sampler)
    assert {epoch for epoch, _ in whole} == {0} and len(whole) == len(sampler) == 5
    sampler.set_epoch(0)
    sampler.start_at(3)
    assert list(sampler) == whole[3:]
    assert {epoch for epoch, _ in sampler} == {1}  # the next pass: the next epoch, from its start
    with pytest.raises(ValueError, match="start 6 is outside"):
        sampler.start_at(6)
    with pytest.raises(ValueError, match="rank 2 is not one of 2"):
        EpochSampler(9, 2, 2)
