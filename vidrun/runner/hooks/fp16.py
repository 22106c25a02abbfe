"""`Fp16OptimizerHook` (`fp16=dict(loss_scale=...)`): mixed precision with `torch.autocast`."""
from __future__ import annotations

from typing import Any

import torch

from vidrun.runner.hooks.hook import HOOKS
from vidrun.runner.hooks.optimizer import OptimizerHook, check_finite_loss, clip_grads

SCALER_KEYS = ("init_scale", "growth_factor", "backoff_factor", "growth_interval")


@HOOKS.register_module()
class Fp16OptimizerHook(OptimizerHook):
    """Runs each train step under `torch.autocast`: float16 with a `GradScaler` on CUDA, bfloat16 on the CPU
    (its range needs no loss scaling). `loss_scale` is `'dynamic'` (the scaler's defaults), a number (the
    initial scale, kept unless a step overflows) or a dict of `GradScaler` arguments. The scaler's state is
    saved in checkpoints. `coalesce`, `bucket_size_mb` and `distributed` are accepted so configs written for
    the tutorial's toolbox run unchanged; autocast and DDP make them unnecessary."""

    def __init__(self, grad_clip: dict | None = None, coalesce: bool = True, bucket_size_mb: int = -1,
                 loss_scale: float | str | dict = 512.0, distributed: bool = True, **kwargs: Any):
        super().__init__(grad_clip=grad_clip, **kwargs)
        if isinstance(loss_scale, dict):
            unknown = sorted(set(loss_scale) - set(SCALER_KEYS))
            if unknown:
                raise ValueError(f"fp16.loss_scale takes {', '.join(SCALER_KEYS)}, not {', '.join(unknown)}")
            self.scaler_args = dict(loss_scale)
        elif loss_scale == "dynamic":
            self.scaler_args = {}
        elif isinstance(loss_scale, (int, float)) and not isinstance(loss_scale, bool) and loss_scale > 0:
            self.scaler_args = {"init_scale": float(loss_scale), "growth_interval": 2**31 - 1}
        else:
            raise ValueError(f"fp16.loss_scale must be 'dynamic', a positive number or a dict, not {loss_scale!r}")
        self.scaler: torch.amp.GradScaler | None = None
        self._pending_scaler: dict | None = None

    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        parameter = next(iter(runner.model.parameters()))
        device = parameter.device.type
        dtype = torch.float16 if device == "cuda" else torch.bfloat16
        runner.precision_context = lambda: torch.autocast(device_type=device, dtype=dtype)
        if device == "cuda":
            self.scaler = torch.amp.GradScaler("cuda", **self.scaler_args)
            if self._pending_scaler is not None:
                self.scaler.load_state_dict(self._pending_scaler)
        runner.logger.info("mixed precision: %s autocast%s", dtype, " with loss scaling" if self.scaler else "")

    def after_train_iter(self, runner: Any) -> None:
        if self.scaler is None:
            super().after_train_iter(runner)
            return
        runner.optimizer.zero_grad()
        if not check_finite_loss(runner, self.skip_nonfinite):
            return
        self.scaler.scale(runner.outputs["loss"]).backward()
        if self.grad_clip is not None:
            self.scaler.unscale_(runner.optimizer)
            clip_grads(runner, self.grad_clip)
        self.scaler.step(runner.optimizer)
        self.scaler.update()

    def state_dict(self) -> dict:
        return {"scaler": self.scaler.state_dict()} if self.scaler is not None else {}

    def load_state_dict(self, state: dict) -> None:
        self._pending_scaler = state.get("scaler")
