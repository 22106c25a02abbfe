"""`GradientCumulativeFp16OptimizerHook`: gradient accumulation under mixed precision (`fp16=dict(...)` with
`optimizer_config=dict(cumulative_iters=...)`)."""
from __future__ import annotations

from typing import Any

from vidrun.runner.hooks.fp16 import Fp16OptimizerHook
from vidrun.runner.hooks.hook import HOOKS
from vidrun.runner.hooks.optimizer import GradientCumulativeOptimizerHook, check_finite_loss, clip_grads


@HOOKS.register_module()
class GradientCumulativeFp16OptimizerHook(GradientCumulativeOptimizerHook, Fp16OptimizerHook):
    """Accumulates gradients over `cumulative_iters` iterations as `GradientCumulativeOptimizerHook` does
    (same windows, each loss divided by its window's length, the BatchNorm warning) while every train step
    runs under autocast as in `Fp16OptimizerHook` (same arguments: `loss_scale`, `grad_clip`, ...).

    On CUDA the scaled losses are accumulated; at the end of a window the gradients are unscaled (before
    clipping), the scaler steps the optimizer (skipping the step when a gradient overflowed) and updates the
    scale. On the CPU (bfloat16, no scaler) it is the plain accumulating hook. Checkpoints keep both the
    unfinished window's gradients and the scaler's state, so a resume continues exactly.
    """

    def __init__(self, cumulative_iters: int = 1, **kwargs: Any):
        super().__init__(cumulative_iters=cumulative_iters, **kwargs)

    def after_train_iter(self, runner: Any) -> None:
        if self.scaler is None:
            GradientCumulativeOptimizerHook.after_train_iter(self, runner)
            return
        if check_finite_loss(runner, self.skip_nonfinite):
            self.scaler.scale(runner.outputs["loss"] / self._window_length(runner)).backward()
        if self.every_n_iters(runner, self.cumulative_iters) or self.is_last_iter(runner):
            if self.grad_clip is not None:
                self.scaler.unscale_(runner.optimizer)
                clip_grads(runner, self.grad_clip)
            self.scaler.step(runner.optimizer)
            self.scaler.update()
            runner.optimizer.zero_grad()

    def state_dict(self) -> dict:
        return {**GradientCumulativeOptimizerHook.state_dict(self), **Fp16OptimizerHook.state_dict(self)}

    def load_state_dict(self, state: dict) -> None:
        GradientCumulativeOptimizerHook.load_state_dict(self, state)
        Fp16OptimizerHook.load_state_dict(self, state)
