"""`DistSamplerSeedHook`: a new shuffle each epoch for distributed samplers (`sampler.set_epoch(epoch)`)."""
from __future__ import annotations

from typing import Any

from vidrun.runner.hooks.hook import HOOKS, Hook


@HOOKS.register_module()
class DistSamplerSeedHook(Hook):
    """Calls `set_epoch(runner.epoch)` on the train loader's sampler (or its batch sampler's sampler)."""

    def before_train_epoch(self, runner: Any) -> None:
        loader = runner.data_loader
        for sampler in (getattr(loader, "sampler", None),
                        getattr(getattr(loader, "batch_sampler", None), "sampler", None)):
            if hasattr(sampler, "set_epoch"):
                sampler.set_epoch(runner.epoch)
                return
