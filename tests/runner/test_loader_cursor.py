import torch
from torch.utils.data import DataLoader

from vidrun.runner.loader_cursor import LoaderCursor
from vidrun.runner.rng import capture_rng, restore_rng


def shuffled_loader():
    return DataLoader(list(range(10)), batch_size=3, shuffle=True)


def test_passes_and_positions():
    cursor = LoaderCursor(shuffled_loader())
    first = [b.tolist() for b in cursor.one_pass()]
    assert len(first) == 4 and sorted(sum(first, [])) == list(range(10))
    assert cursor.passes == 1 and cursor.state_dict() == {"passes": 1, "position": 0, "pass_rng": None}
    endless = [cursor.next_batch() for _ in range(6)]
    assert cursor.passes == 2 and cursor.position == 2 and len(endless) == 6


def test_resume_mid_pass_replays_order_and_leaves_generators_alone():
    torch.manual_seed(0)
    cursor = LoaderCursor(shuffled_loader())
    cursor.next_batch()
    cursor.next_batch()
    state = cursor.state_dict()
    rest = [b.tolist() for b in cursor.one_pass()]

    torch.manual_seed(99)
    before = capture_rng()
    resumed = LoaderCursor(shuffled_loader())
    resumed.load_state_dict(state)
    assert resumed.state_dict() == state
    replayed = [b.tolist() for b in resumed.one_pass()]
    assert replayed == rest
    after = capture_rng()
    assert torch.equal(after["torch"], before["torch"]) and after["python"] == before["python"]


def test_empty_loader_is_an_error():
    cursor = LoaderCursor([])
    try:
        cursor.next_batch()
    except ValueError as error:
        assert "yields no batch" in str(error)
    else:
        raise AssertionError("an empty loader must not loop forever")


def test_rng_round_trip():
    import random

    import numpy as np

    state = capture_rng()
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    restore_rng(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == a


class Counted(torch.utils.data.Dataset):
    """Noise per read (an augmentation), counting the reads."""

    def __init__(self):
        self.reads = 0

    def __len__(self):
        return 20

    def __getitem__(self, index):
        self.reads += 1
        return {"x": torch.rand(2) + index}


def test_resume_of_a_built_loader_jumps_to_its_position_without_reading_the_skipped_samples():
    from vidrun.datasets import build_dataloader

    def cursor():
        return LoaderCursor(build_dataloader(Counted(), videos_per_gpu=3, workers_per_gpu=0, dist=False, seed=2))

    straight = cursor()
    list(straight.one_pass())
    first = [straight.next_batch() for _ in range(5)]  # epoch 2, batch 5 of 7
    state = straight.state_dict()
    rest = list(straight.one_pass())

    resumed = cursor()
    resumed.load_state_dict(state)
    batches = list(resumed.one_pass())
    assert resumed.loader.dataset.reads == 20 - 15  # only the unread samples
    assert len(batches) == len(rest) == 2 and all(torch.equal(a["x"], b["x"]) for a, b in zip(batches, rest))
    assert len(first) == 5 and resumed.passes == 2 and len(resumed) == 7
    again = [resumed.next_batch() for _ in range(7)]  # the next pass is whole again
    assert len(again) == 7 and resumed.loader.dataset.reads == 5 + 20
