"""The two optimizer registries: `OPTIMIZERS` (what `optimizer=dict(type=...)` names) and `OPTIMIZER_BUILDERS`
(what `optimizer=dict(constructor=...)` names).

Every `torch.optim.Optimizer` subclass that `torch.optim` exports is registered in `OPTIMIZERS` under its class
name. They are found by inspecting `torch.optim`, so an optimizer added by a newer PyTorch is available without a
change here. The abstract base `Optimizer` itself is not registered: it has no update rule, so naming it in a
config can only be a mistake.
"""
from __future__ import annotations

import inspect

import torch.optim
from torch.optim import Optimizer

from vidrun.registry import Registry

OPTIMIZERS = Registry("OPTIMIZERS")
OPTIMIZER_BUILDERS = Registry("OPTIMIZER_BUILDERS")


def torch_optimizers() -> list[type[Optimizer]]:
    """Every concrete optimizer class exported by `torch.optim`, sorted by name."""
    return [cls for _, cls in inspect.getmembers(torch.optim, inspect.isclass)
            if issubclass(cls, Optimizer) and cls is not Optimizer]


for _optimizer in torch_optimizers():
    OPTIMIZERS.register_module(module=_optimizer)
del _optimizer
TORCH_OPTIMIZERS = [cls.__name__ for cls in torch_optimizers()]  # mmcv's list of the names registered above
