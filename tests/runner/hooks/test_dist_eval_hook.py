"""`DistEvalHook` in a real two-process Gloo group, on a real runner whose model is wrapped in
`DistributedDataParallel` (without buffer broadcasting, so each rank's batch-norm statistics have drifted)."""
import gc
import logging

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import Dataset

from vidrun.datasets import build_dataloader
from vidrun.runner import EpochBasedRunner
from vidrun.runner.hooks.dist_evaluation import DistEvalHook
from vidrun.runner.hooks.hook import HOOKS
from vidrun.runner.inference_loops import single_process_test

WORLD_SIZE = 2


class BatchNormModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear, self.norm, self.head = nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 3)

    def forward(self, imgs, label=None, return_loss=True):
        scores = self.head(torch.relu(self.norm(self.linear(imgs))))
        return {"loss_cls": F.cross_entropy(scores, label)} if return_loss else scores.softmax(-1)

    def train_step(self, data_batch, optimizer):
        raise AssertionError("not trained here")

    val_step = train_step


class WithSteps(DistributedDataParallel):
    """DDP with the runner's `train_step`/`val_step`, as the training wrapper provides them."""

    def train_step(self, *args):
        return self.module.train_step(*args)

    val_step = train_step


class Points(Dataset):
    """Seven fixed points; `evaluate` records its calls and scores order-sensitively (a checksum)."""

    def __init__(self):
        self.points = torch.randn(7, 4, generator=torch.Generator().manual_seed(1))
        self.labels = torch.arange(7) % 3
        self.calls = 0

    def __len__(self):
        return len(self.points)

    def __getitem__(self, index):
        return {"imgs": self.points[index], "label": self.labels[index]}

    def evaluate(self, results, logger=None, **kwargs):
        self.calls += 1
        predicted = torch.tensor([int(r.argmax()) for r in results])
        return {"top1_acc": float((predicted == self.labels).float().mean()),
                "checksum": float(sum(i * r[0] for i, r in enumerate(results)))}


class Unscorable(Points):
    def evaluate(self, results, logger=None, **kwargs):
        raise ValueError("no metric named 'x'")


def _norm_state(model):
    norm = model.module.norm
    return [norm.running_mean.clone(), norm.running_var.clone(), norm.num_batches_tracked.clone()]


def _worker(rank: int, store: str, work_dir: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=WORLD_SIZE)
    try:
        _evaluate_and_check(rank, work_dir)
        # The DDP model must be gone before its group: destroyed after it, at exit, it sometimes aborted the
        # process ("terminate called without an active exception", torch 2.13, Gloo).
        gc.collect()
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _evaluate_and_check(rank: int, work_dir: str) -> None:
    torch.manual_seed(0)
    model = WithSteps(BatchNormModel(), broadcast_buffers=False)
    norm = model.module.norm  # drifted apart, as training without buffer broadcasting leaves them
    norm.running_mean.fill_(0.5 * rank)
    norm.running_var.fill_(1.0 + rank)
    norm.num_batches_tracked.fill_(10 + rank)
    logger = logging.getLogger(f"dist_eval_{rank}")
    logger.propagate, logger.handlers = False, [logging.NullHandler()]
    runner = EpochBasedRunner(model, torch.optim.SGD(model.parameters(), lr=0.1), work_dir, logger,
                              max_epochs=1)
    dataset = Points()
    loader = build_dataloader(dataset, videos_per_gpu=2, workers_per_gpu=0, dist=True, shuffle=False)
    hook = DistEvalHook(loader, save_best="top1_acc")
    hook._do_evaluate(runner)

    states = [None] * WORLD_SIZE
    dist.all_gather_object(states, _norm_state(model))
    assert all(torch.equal(a, b) for a, b in zip(states[0], states[1]))
    assert [float(t.flatten()[0]) for t in states[0]] == [0.0, 1.0, 10.0]  # rank 0's
    # Rank 0 alone evaluated, over the whole set in order; every rank logs and keeps its scores.
    expected = Points().evaluate(single_process_test(model.module, build_dataloader(
        dataset, videos_per_gpu=3, workers_per_gpu=0, dist=False, shuffle=False)))
    assert dataset.calls == (1 if rank == 0 else 0)
    assert dict(runner.log_buffers["val"].output) == pytest.approx(expected, rel=1e-5)
    seen = [None] * WORLD_SIZE
    dist.all_gather_object(seen, (dict(runner.log_buffers["val"].output), hook.state_dict(),
                                  runner.meta["hook_msgs"]))
    assert seen[0] == seen[1] and seen[0][1]["best_score"] == expected["top1_acc"]

    # An evaluation that fails on rank 0 fails on every rank, instead of leaving the others waiting.
    failing = DistEvalHook(build_dataloader(Unscorable(), videos_per_gpu=2, workers_per_gpu=0, dist=True,
                                            shuffle=False))
    with pytest.raises(ValueError if rank == 0 else RuntimeError, match="no metric named 'x'"):
        failing._do_evaluate(runner)


@pytest.mark.slow
def test_every_rank_scores_its_shard_with_rank_0s_norm_statistics_and_gets_the_same_scores(tmp_path):
    mp.spawn(_worker, args=(str(tmp_path / "store"), str(tmp_path / "out")), nprocs=WORLD_SIZE)
    assert [p.name for p in (tmp_path / "out").glob("best_*.pth")] == ["best_top1_acc_epoch_1.pth"]


def test_registered_and_like_eval_hook_outside_a_group(tmp_path):
    assert HOOKS.get("DistEvalHook") is DistEvalHook
    torch.manual_seed(0)
    model = BatchNormModel()
    dataset = Points()
    loader = build_dataloader(dataset, videos_per_gpu=2, workers_per_gpu=0, dist=False, shuffle=False)
    runner = EpochBasedRunner(model, None, str(tmp_path), logging.getLogger("dist_eval_single"), max_epochs=1)
    DistEvalHook(loader, tmpdir=str(tmp_path / "unused"))._do_evaluate(runner)
    assert dataset.calls == 1 and set(runner.log_buffers["val"].output) == {"top1_acc", "checksum"}


def test_outside_a_group_a_test_fn_is_called_as_eval_hooks_and_mmcvs_argument_order_holds(tmp_path):
    torch.manual_seed(0)
    model = BatchNormModel()
    loader = build_dataloader(Points(), videos_per_gpu=2, workers_per_gpu=0, dist=False, shuffle=False)
    calls = []

    def test_fn(model, dataloader, tmpdir=None, gpu_collect=False):
        calls.append((dataloader, tmpdir, gpu_collect))
        return single_process_test(model, dataloader)

    # mmcv's positional order: dataloader, start, interval, by_epoch, save_best, rule, test_fn, greater_keys, ...
    hook = DistEvalHook(loader, None, 1, True, "checksum", None, test_fn, ["checksum"])
    assert hook.rule == "greater" and hook.test_fn is test_fn
    runner = EpochBasedRunner(model, None, str(tmp_path), logging.getLogger("dist_eval_fn"), max_epochs=1)
    hook._do_evaluate(runner)
    assert calls == [(loader, None, False)] and hook.best_score is not None
