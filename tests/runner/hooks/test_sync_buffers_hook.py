"""`SyncBuffersHook`, `allreduce_params` and `allreduce_grads` in a real two-process Gloo group."""
import logging

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from vidrun.runner import EpochBasedRunner, Hook, SyncBuffersHook, allreduce_grads, allreduce_params

WORLD_SIZE = 2


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm, self.head = nn.BatchNorm1d(4), nn.Linear(4, 2)

    def train_step(self, data_batch, optimizer):
        imgs, label = data_batch
        loss = F.cross_entropy(self.head(self.norm(imgs)), label)
        return {"loss": loss, "log_vars": {"loss": float(loss)}, "num_samples": len(label)}

    val_step = train_step


class Before(Hook):
    """Copies the buffers at the end of the train epoch, before SyncBuffersHook (NORMAL) averages them."""

    def after_train_epoch(self, runner):
        self.buffers = [b.clone() for b in runner.model.buffers()]


def gathered(tensor):
    parts = [torch.zeros_like(tensor) for _ in range(WORLD_SIZE)]
    dist.all_gather(parts, tensor)
    return parts


def _worker(rank: int, store: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=WORLD_SIZE)
    try:
        floats, counts = torch.tensor([1.0, 2.0]) * (rank + 1), torch.tensor(3 + rank)
        allreduce_params([floats, counts])
        assert torch.equal(floats, torch.tensor([1.5, 3.0])) and int(counts) == 3  # floor of 3.5
        weight = nn.Parameter(torch.zeros(2))
        weight.grad = torch.full((2,), float(rank))
        frozen = nn.Parameter(torch.zeros(1), requires_grad=False)
        allreduce_grads([weight, frozen])
        assert torch.equal(weight.grad, torch.full((2,), 0.5))

        torch.manual_seed(rank)  # each rank its own data, so their statistics differ
        data = TensorDataset(torch.randn(8, 4) * (rank + 1) + rank, torch.arange(8) % 2)
        model = Net()
        runner = EpochBasedRunner(model, torch.optim.SGD(model.parameters(), lr=0.1), None,
                                  logging.getLogger(f"sync{rank}"), max_epochs=1)
        before = Before()
        runner.register_hook(before, "HIGHEST")
        runner.register_training_hooks(None, dict(), custom_hooks_config=[dict(type="SyncBuffersHook")])
        runner.run([DataLoader(data, batch_size=4)], [("train", 1)])
        mean, var, count = before.buffers
        assert not torch.allclose(*gathered(mean))  # they differed before the hook
        assert torch.allclose(model.norm.running_mean, sum(gathered(mean)) / 2)
        assert torch.allclose(model.norm.running_var, sum(gathered(var)) / 2)
        assert int(model.norm.num_batches_tracked) == 2
        dist.barrier()
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_buffers_and_gradients_are_averaged_across_processes(tmp_path):
    mp.spawn(_worker, args=(str(tmp_path / "store"),), nprocs=WORLD_SIZE)


def test_outside_a_group_nothing_changes(toy_model, make_loader, quiet_logger):
    tensor = torch.tensor([1.0, 3.0])
    allreduce_params([tensor])
    assert torch.equal(tensor, torch.tensor([1.0, 3.0]))
    runner = EpochBasedRunner(toy_model, None, None, quiet_logger, max_epochs=1)
    runner.register_hook(SyncBuffersHook())
    before = Before()
    runner.register_hook(before, "HIGHEST")
    runner.run([make_loader(size=8)], [("train", 1)])
    assert all(torch.equal(b, a) for b, a in zip(before.buffers, toy_model.buffers()))
    assert runner.hooks[1].get_triggered_stages() == ["after_train_epoch", "after_val_epoch"]
