"""`collect_results` in a real two-process Gloo group: data-set order back from the interleaved shards of a
`DistributedSampler`, its padding dropped, through the process group and through files."""
import os

import pytest
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import DistributedSampler

from vidrun.runner.result_gathering import broadcast_object, collect_results

WORLD_SIZE = 2


def shard(size: int, rank: int) -> list[str]:
    """What rank `rank` infers: one result per index its sampler gives it (padding included)."""
    return [f"video_{i}" for i in DistributedSampler(range(size), WORLD_SIZE, rank, shuffle=False)]


def _gather_worker(rank: int, store: str, tmpdir: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=WORLD_SIZE)
    try:
        for size in (7, 8, 1):
            expected = [f"video_{i}" for i in range(size)] if rank == 0 else None
            assert collect_results(shard(size, rank), size) == expected, size
            assert collect_results(shard(size, rank), size, tmpdir=tmpdir) == expected, size
            assert os.listdir(tmpdir) == []  # the route's own directory is gone, the given one stays
        assert broadcast_object({"top1_acc": 0.5} if rank == 0 else None) == {"top1_acc": 0.5}
        # A loader that is not sharded (every rank read all 7): rank 0 says so instead of mixing them up.
        if rank == 0:
            with pytest.raises(ValueError, match=r"the ranks hold \[7, 7\] results for a data set of 7"):
                collect_results(shard(7, 0) + shard(7, 1)[:3], 7)
        else:
            assert collect_results(shard(7, 0) + shard(7, 1)[:3], 7) is None
        dist.barrier()  # neither leaves while the other may still use the group
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_results_come_back_in_data_set_order_without_padding(tmp_path):
    mp.spawn(_gather_worker, args=(str(tmp_path / "store"), str(tmp_path / "results")), nprocs=WORLD_SIZE)


def test_outside_a_group_the_part_is_the_whole():
    assert collect_results([1, 2, 3, 1], 3) == [1, 2, 3]
    assert broadcast_object("scores") == "scores"
