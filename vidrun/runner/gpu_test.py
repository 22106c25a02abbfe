"""mmcv's test loops by their names (`single_gpu_test`, `multi_gpu_test`, as in `mmcv.engine` and
`mmaction.apis`): test scripts and `EvalHook(test_fn=...)` written for mmcv call them unchanged. They run on
whatever device the model is on, CPU included, with vidrun's loops inside."""
from __future__ import annotations

from typing import Any

from torch import nn

from vidrun.runner.inference_loops import multi_process_test, single_process_test
from vidrun.utils.progress import progress_bar


def single_gpu_test(model: nn.Module, data_loader: Any) -> list:
    """Each sample's result (`model(return_loss=False, **batch)`, split per sample) in loader order, with a
    progress bar over the data set where stderr is a terminal."""
    with progress_bar(len(data_loader.dataset), "test", "video") as bar:
        return single_process_test(model, data_loader, bar)


def multi_gpu_test(model: nn.Module, data_loader: Any, tmpdir: str | None = None,
                   gpu_collect: bool = False) -> list | None:
    """Every rank tests its shard; rank 0 returns the whole data set's results in its order (the sampler's
    padding removed), the other ranks None. The parts travel through the process group (through the GPU with
    NCCL), or, when `tmpdir` is given and `gpu_collect` is False, as files in `tmpdir`, as in mmcv."""
    with progress_bar(len(data_loader.dataset), "test", "video") as bar:
        return multi_process_test(model, data_loader, bar, None if gpu_collect else tmpdir)
