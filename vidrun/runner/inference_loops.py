"""Running a model over a whole data loader for testing and evaluation: in one process
(`single_process_test`), or each rank over its shard with the results gathered in data-set order
(`multi_process_test`, MMAction2's `multi_gpu_test`)."""
from __future__ import annotations

from typing import Any, Protocol

import torch

from vidrun.runner.state_dict_names import unwrap_model
from vidrun.runner.device import model_device, to_device
from vidrun.runner.result_gathering import collect_results
from vidrun.utils.dist import get_dist_info


class Progress(Protocol):
    """What the loops report to: a tqdm bar fits."""

    def update(self, n: int) -> Any: ...


def _infer(model: torch.nn.Module, data_loader: Any, progress: Progress | None, scale: int = 1,
           cap: int | None = None) -> list:
    """Each sample's result in loader order: `model(return_loss=False, **batch)` in eval mode with the batch on
    the model's device, split per sample; the model's mode is restored afterwards. After each batch `progress` moves to `scale` times the samples done, at most
    `cap`."""
    was_training = model.training
    model.eval()
    device = model_device(model)
    results: list = []
    shown = 0
    try:
        with torch.no_grad():
            for batch in data_loader:
                output = model(return_loss=False, **to_device(batch, device))
                results.extend(output.cpu().numpy() if isinstance(output, torch.Tensor) else output)
                if progress is not None:
                    count = len(results) * scale if cap is None else min(len(results) * scale, cap)
                    progress.update(count - shown)
                    shown = count
    finally:
        model.train(was_training)  # an evaluation during training leaves the model training
    return results


def single_process_test(model: torch.nn.Module, data_loader: Any, progress: Progress | None = None) -> list:
    """Each sample's result, in loader order. `progress.update(n)` counts the samples of each batch."""
    return _infer(model, data_loader, progress)


def multi_process_test(model: torch.nn.Module, data_loader: Any, progress: Progress | None = None,
                       tmpdir: str | None = None) -> list | None:
    """Every rank runs the model over its shard of `data_loader` (built with `dist=True` and no shuffling);
    rank 0 gets the results of the whole data set in its order, the padding of the sampler removed, the other
    ranks None (see `collect_results`, and for `tmpdir` its file route). Every rank must call it.

    `progress` counts the whole data set, estimated as this rank's samples times the world size: only rank 0's
    bar is shown, and the ranks move at about the same pace. A `DistributedDataParallel` model runs as the
    model inside it: scoring a shard needs nothing from the other ranks, and DDP's forward could start
    collectives (a buffer broadcast) that only make sense in training.
    """
    if getattr(data_loader.sampler, "shuffle", False):
        raise ValueError("multi_process_test: the data loader shuffles, so the results could not be put back "
                         "in data-set order; build it with shuffle=False")
    size = len(data_loader.dataset)
    part = _infer(unwrap_model(model), data_loader, progress, scale=get_dist_info()[1], cap=size)
    return collect_results(part, size, tmpdir)
