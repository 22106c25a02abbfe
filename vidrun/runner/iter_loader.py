"""`IterLoader`: a data loader read without end, by mmcv's name, for code that draws batches itself (a custom
runner or hook). vidrun's runners use `LoaderCursor`, whose position is also saved in checkpoints."""
from __future__ import annotations

from typing import Any


class IterLoader:
    """`next(loader)` gives the next batch, starting a new pass (and calling `sampler.set_epoch(passes)` where
    the sampler has it, so a shuffling sampler reshuffles) when one ends; `epoch` counts the finished passes."""

    def __init__(self, dataloader: Any):
        self._dataloader = dataloader
        self.iter_loader = iter(dataloader)
        self._epoch = 0

    @property
    def epoch(self) -> int:
        return self._epoch

    def __iter__(self) -> IterLoader:
        return self

    def __next__(self) -> Any:
        try:
            return next(self.iter_loader)
        except StopIteration:
            self._epoch += 1
            if hasattr(self._dataloader.sampler, "set_epoch"):
                self._dataloader.sampler.set_epoch(self._epoch)
            self.iter_loader = iter(self._dataloader)
            return next(self.iter_loader)

    def __len__(self) -> int:
        return len(self._dataloader)
