"""Freezing stages and keeping norm layers in eval mode: what `frozen_stages` and `norm_eval` do."""
from __future__ import annotations

from collections.abc import Iterable

from torch import nn


def freeze(modules: Iterable[nn.Module]) -> None:
    """Eval mode and no gradients for each module (re-applied after every `train()`)."""
    for module in modules:
        module.eval()
        for parameter in module.parameters():
            parameter.requires_grad = False


def norms_to_eval(model: nn.Module) -> None:
    """Every batch-norm layer of `model` in eval mode: statistics stay as loaded (`norm_eval=True`)."""
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.eval()
