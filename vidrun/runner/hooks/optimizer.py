"""The optimizer step: `OptimizerHook` and `GradientCumulativeOptimizerHook` (`optimizer_config`)."""
from __future__ import annotations

import math
from typing import Any

import torch
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.utils import clip_grad_norm_

from vidrun.config import ConfigError
from vidrun.registry import check_keys
from vidrun.runner.hooks.hook import HOOKS, Hook

GRAD_CLIP_KEYS = ("max_norm", "norm_type", "error_if_nonfinite", "foreach")


def check_finite_loss(runner: Any, skip: bool) -> bool:
    """True when every loss term of this iteration is finite. Otherwise raise `FloatingPointError` naming the
    epoch, iteration and every loss term, or, with `skip`, warn and return False (the step is skipped)."""
    log_vars = runner.outputs.get("log_vars", {})
    losses = {k: v for k, v in log_vars.items() if "loss" in k}
    if not losses:
        losses = {"loss": float(runner.outputs["loss"].detach())}
    if all(math.isfinite(v) for v in losses.values()):
        return True
    terms = ", ".join(f"{k}: {v}" for k, v in log_vars.items())
    where = f"epoch {runner.epoch + 1}, iter {runner.iter + 1}"
    if skip:
        runner.logger.warning("non-finite loss at %s (%s): step skipped", where, terms)
        return False
    raise FloatingPointError(f"non-finite loss at {where} ({terms}); checkpoints saved so far are intact. "
                             f"Lower the lr or clip gradients, or set optimizer_config.nonfinite_loss='skip'")


def clip_grads(runner: Any, grad_clip: dict) -> None:
    """Clip the norm of all gradients (`clip_grad_norm_(**grad_clip)`) and log it as `grad_norm`."""
    params = [p for group in runner.optimizer.param_groups for p in group["params"]
              if p.requires_grad and p.grad is not None]
    if params:
        norm = clip_grad_norm_(params, **grad_clip)
        runner.log_buffer.update({"grad_norm": float(norm)}, runner.outputs.get("num_samples", 1))


@HOOKS.register_module()
class OptimizerHook(Hook):
    """Backward and step after each train iteration: `zero_grad`, `loss.backward()`, optional clipping,
    `step`. `nonfinite_loss='raise'` stops at a NaN/inf loss; `'skip'` skips that step instead."""

    def __init__(self, grad_clip: dict | None = None, detect_anomalous_params: bool = False,
                 nonfinite_loss: str = "raise"):
        if grad_clip is not None:
            check_keys(grad_clip, GRAD_CLIP_KEYS, "grad_clip")
        if nonfinite_loss not in ("raise", "skip"):
            raise ValueError(f"nonfinite_loss must be 'raise' or 'skip', not {nonfinite_loss!r}")
        self.grad_clip = dict(grad_clip) if grad_clip is not None else None
        self.detect_anomalous_params = detect_anomalous_params
        self.skip_nonfinite = nonfinite_loss == "skip"

    def before_run(self, runner: Any) -> None:
        """Refuses a runner without an optimizer, or with a dict of them (which hook would step which?)."""
        if runner.optimizer is None:
            raise ConfigError(f"optimizer_config: {type(self).__name__} steps the runner's optimizer, and the "
                              f"runner has none; pass one, or set optimizer_config=None")
        if isinstance(runner.optimizer, dict):
            raise ConfigError(f"optimizer_config: {type(self).__name__} steps one optimizer, but the runner has "
                              f"several ({', '.join(map(str, runner.optimizer))}); a model with several "
                              f"optimizers steps them in its train_step: set optimizer_config=None")

    def after_train_iter(self, runner: Any) -> None:
        runner.optimizer.zero_grad()
        if not check_finite_loss(runner, self.skip_nonfinite):
            return
        if self.detect_anomalous_params:
            report_unused_parameters(runner)
        runner.outputs["loss"].backward()
        if self.grad_clip is not None:
            clip_grads(runner, self.grad_clip)
        runner.optimizer.step()


def report_unused_parameters(runner: Any) -> None:
    """Log the parameters that receive no gradient from this loss (they make DDP hang or fail)."""
    reached: set[int] = set()
    stack = [runner.outputs["loss"].grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in reached:
            continue
        reached.add(id(fn))
        if hasattr(fn, "variable"):
            reached.add(id(fn.variable))
        stack.extend(next_fn for next_fn, _ in fn.next_functions)
    model = getattr(runner.model, "module", runner.model)
    unused = [n for n, p in model.named_parameters() if p.requires_grad and id(p) not in reached]
    if unused:
        runner.logger.error("parameters not in the loss's computational graph: %s", ", ".join(unused))


@HOOKS.register_module()
class GradientCumulativeOptimizerHook(OptimizerHook):
    """Accumulate gradients over `cumulative_iters` iterations, then step: an effective batch that many
    times larger. Windows count global iterations (c=4 over 10 iterations steps after iterations 4, 8 and
    10, 1-based); each loss is divided by its window's length, the last window's possibly shorter.
    Gradients accumulated in an unfinished window are kept in checkpoints, so a resume continues it.
    With BatchNorm layers in the model (and `cumulative_iters > 1`) it warns once, at the start of the run:
    BatchNorm normalises over each iteration's batch, so the result is not that of a larger batch."""

    def __init__(self, cumulative_iters: int = 1, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(cumulative_iters, int) or cumulative_iters < 1:
            raise ValueError(f"cumulative_iters must be a positive int, not {cumulative_iters!r}")
        self.cumulative_iters = cumulative_iters
        self._pending_grads: list | None = None
        self._params: list[torch.Tensor] = []

    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        warn_batch_norm(runner, type(self).__name__, self.cumulative_iters)
        self._params = [p for group in runner.optimizer.param_groups for p in group["params"]]
        if self._pending_grads is not None:
            for param, grad in zip(self._params, self._pending_grads):
                param.grad = None if grad is None else grad.to(param.device)
            self._pending_grads = None

    def _window_length(self, runner: Any) -> int:
        full = runner.max_iters // self.cumulative_iters * self.cumulative_iters
        return self.cumulative_iters if runner.iter < full else runner.max_iters - full

    def after_train_iter(self, runner: Any) -> None:
        if check_finite_loss(runner, self.skip_nonfinite):
            (runner.outputs["loss"] / self._window_length(runner)).backward()
        if self.every_n_iters(runner, self.cumulative_iters) or self.is_last_iter(runner):
            if self.grad_clip is not None:
                clip_grads(runner, self.grad_clip)
            runner.optimizer.step()
            runner.optimizer.zero_grad()

    def state_dict(self) -> dict:
        grads = [None if p.grad is None else p.grad.detach().cpu() for p in self._params]
        return {"grads": grads} if any(g is not None for g in grads) else {}

    def load_state_dict(self, state: dict) -> None:
        self._pending_grads = state.get("grads")


def warn_batch_norm(runner: Any, hook_name: str, cumulative_iters: int) -> None:
    """Warn (in the run's log) when gradients accumulate over several iterations of a model that has
    BatchNorm layers: their statistics come from one iteration's batch, so the update differs from that of
    one batch `cumulative_iters` times larger."""
    model = getattr(runner.model, "module", runner.model)
    norms = [name for name, module in model.named_modules() if isinstance(module, _BatchNorm)]
    if cumulative_iters > 1 and norms:
        shown = ", ".join(norms[:3]) + (f" and {len(norms) - 3} more" if len(norms) > 3 else "")
        runner.logger.warning(
            "%s: the model has BatchNorm layers (%s), which normalise over each iteration's batch: accumulating "
            "gradients over %d iterations is then not the same as a batch %d times larger, and results may be "
            "slightly worse", hook_name, shown, cumulative_iters, cumulative_iters)
