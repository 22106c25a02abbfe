"""`EMAHook`: an exponential moving average of the weights, used for evaluation and saved in checkpoints."""
from __future__ import annotations

from typing import Any

import torch

from vidrun.runner.hooks.hook import HOOKS, Hook


@HOOKS.register_module()
class EMAHook(Hook):
    """Every `interval` iterations, `ema = (1 - m_t)·ema + m_t·weight` with
    `m_t = min(momentum, (1 + iter) / (warm_up + iter))`, over the model's floating-point parameters and
    buffers. At the end of each train epoch the model holds the averaged weights (so the checkpoint and the
    evaluation of that epoch use them); the training weights come back before the next epoch. The average,
    and which weights the model holds, survive a resume."""

    def __init__(self, momentum: float = 0.0002, interval: int = 1, warm_up: int = 100):
        if not 0 < momentum < 1:
            raise ValueError(f"momentum must lie in (0, 1), not {momentum}")
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f"interval must be a positive int, not {interval!r}")
        self.momentum, self.interval, self.warm_up = momentum, interval, warm_up
        self.ema: dict[str, torch.Tensor] = {}
        self.swapped = False
        self._tensors: dict[str, torch.Tensor] = {}

    def before_run(self, runner: Any) -> None:
        model = getattr(runner.model, "module", runner.model)
        self._tensors = {name: t for name, t in model.state_dict(keep_vars=True).items()
                         if t.dtype.is_floating_point}
        for name, tensor in self._tensors.items():
            if name in self.ema:
                self.ema[name] = self.ema[name].to(tensor.device)
            else:
                self.ema[name] = tensor.detach().clone()

    def after_train_iter(self, runner: Any) -> None:
        if (runner.iter + 1) % self.interval:
            return
        weight = min(self.momentum, (1 + runner.iter) / (self.warm_up + runner.iter))
        with torch.no_grad():
            for name, tensor in self._tensors.items():
                self.ema[name].mul_(1 - weight).add_(tensor.detach(), alpha=weight)

    def after_train_epoch(self, runner: Any) -> None:
        self._swap()

    def before_train_epoch(self, runner: Any) -> None:
        if self.swapped:
            self._swap()

    def _swap(self) -> None:
        with torch.no_grad():
            for name, tensor in self._tensors.items():
                held = tensor.detach().clone()
                tensor.copy_(self.ema[name])
                self.ema[name].copy_(held)
        self.swapped = not self.swapped

    def state_dict(self) -> dict:
        # When swapped, the model holds the average and `ema` the training weights: both are kept.
        return {"ema": {k: v.detach().cpu() for k, v in self.ema.items()}, "swapped": self.swapped}

    def load_state_dict(self, state: dict) -> None:
        self.ema = dict(state["ema"])
        self.swapped = bool(state["swapped"])
