"""`DistEvalHook`: `EvalHook` in distributed training. Every rank scores its shard of the val set, rank 0
gathers and evaluates the results, every rank gets the scores."""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.distributed as dist
from torch.nn.modules.batchnorm import _BatchNorm

from vidrun.runner.hooks.evaluation import EvalHook
from vidrun.runner.hooks.hook import HOOKS
from vidrun.runner.inference_loops import multi_process_test
from vidrun.runner.result_gathering import broadcast_object
from vidrun.utils.dist import is_distributed
from vidrun.utils.progress import progress_bar


def broadcast_bn_buffers(model: torch.nn.Module) -> None:
    """Give every rank rank 0's batch-norm statistics (`running_mean`, `running_var`, `num_batches_tracked`):
    DDP with `broadcast_buffers=False` lets each rank's drift apart with the batches it saw."""
    for module in model.modules():
        if isinstance(module, _BatchNorm) and module.track_running_stats:
            for buffer in (module.running_mean, module.running_var, module.num_batches_tracked):
                if buffer is not None:
                    dist.broadcast(buffer, 0)


@HOOKS.register_module()
class DistEvalHook(EvalHook):
    """`EvalHook` for distributed training, with a val loader built with `dist=True` (no shuffling): every rank
    runs the model over its shard, rank 0 gathers the results in data-set order and evaluates them, and the
    scores are broadcast, so that every rank logs, compares and keeps the same best score (only rank 0 writes
    files and log lines). `broadcast_bn_buffer` first copies rank 0's batch-norm statistics to every rank, so
    that all shards are scored by one model. Results travel through the process group; with `tmpdir` (and
    `gpu_collect=False`) through files in that directory instead (see `collect_results`). A `test_fn` is
    called on every rank as mmcv calls `multi_gpu_test`: `test_fn(model, dataloader, tmpdir=...,
    gpu_collect=...)` (tmpdir defaulting to `<work_dir>/.eval_hook`), returning the results on rank 0.
    The arguments come in mmcv's order."""

    STATE_KEY = "EvalHook"  # a run saved by N processes resumes its best score on one, and back

    def __init__(self, dataloader: Any, start: int | None = None, interval: int = 1, by_epoch: bool = True,
                 save_best: str | None = None, rule: str | None = None, test_fn: Callable | None = None,
                 greater_keys: Sequence[str] | str | None = None, less_keys: Sequence[str] | str | None = None,
                 broadcast_bn_buffer: bool = True, tmpdir: str | None = None, gpu_collect: bool = False,
                 out_dir: str | None = None, file_client_args: dict | None = None, **eval_kwargs: Any):
        super().__init__(dataloader, start, interval, by_epoch, save_best, rule, test_fn, greater_keys,
                         less_keys, out_dir, file_client_args, **eval_kwargs)
        self.broadcast_bn_buffer = broadcast_bn_buffer
        self.gpu_collect = gpu_collect
        self.tmpdir = tmpdir

    def test_results(self, runner: Any) -> Any:
        if not is_distributed():
            return super().test_results(runner)
        if self.broadcast_bn_buffer:
            broadcast_bn_buffers(runner.model)
        if self.test_fn is not None:
            tmpdir = self.tmpdir or os.path.join(runner.work_dir, ".eval_hook")
            return self.test_fn(runner.model, self.dataloader, tmpdir=tmpdir, gpu_collect=self.gpu_collect)
        with progress_bar(len(self.dataloader.dataset), "val", "video") as bar:
            return multi_process_test(runner.model, self.dataloader, bar, None if self.gpu_collect else self.tmpdir)

    def score(self, runner: Any, results: Any) -> dict:
        if not is_distributed():
            return super().score(runner, results)
        outcome = None
        if runner.rank == 0:
            try:
                outcome = ("scores", super().score(runner, results))
            except Exception as error:  # the other ranks wait for the scores: they must learn of it, not hang
                outcome = ("error", error)
        kind, value = broadcast_object(outcome)
        if kind == "error":
            if runner.rank == 0:
                raise value
            raise RuntimeError(f"rank 0 failed to evaluate the gathered results: {value!r}")
        return value
