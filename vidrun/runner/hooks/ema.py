"""`EMAHook`: an exponential moving average of the weights, kept in the model as mmcv keeps it, used for
evaluation and saved in checkpoints."""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

import torch

from vidrun.runner.state_dict_names import ema_buffer_name, unwrap_model
from vidrun.runner.hooks.hook import HOOKS, Hook


@HOOKS.register_module()
class EMAHook(Hook):
    """mmcv 1.7's EMAHook. The average of each parameter lives in the (unwrapped) model as a buffer named
    `ema_<parameter name with . replaced by _>`, so checkpoints hold it in `state_dict` and checkpoints
    written by mmcv's EMAHook load. After train iteration i (0-based), when `i % interval == 0`:
    `ema = (1 - m)·ema + m·param` with `m = min(momentum ** interval, (1 + i) / (warm_up + i))`. Batch-norm
    statistics and other buffers are not averaged.

    At the end of each train epoch the parameters and the averages swap places, so that the hooks after this
    one (the evaluation, and the checkpoint when this hook has the higher priority) see the averaged weights;
    the training weights come back before the next train epoch. An IterBasedRunner has no epochs: nothing
    is swapped. Which of the two the parameters hold (`swapped`) and the averages are this hook's resume
    state, so a run resumed anywhere continues exactly. `resume_from` resumes the run from that checkpoint
    once the buffers exist (mmcv's way; a checkpoint without vidrun's record is taken as mmcv left it: at the
    end of an epoch, the averages in the parameters)."""

    def __init__(self, momentum: float = 0.0002, interval: int = 1, warm_up: int = 100,
                 resume_from: str | None = None):
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f"EMAHook: interval must be a positive int, not {interval!r}")
        if not 0 < momentum < 1:
            raise ValueError(f"EMAHook: momentum must lie in (0, 1), not {momentum}")
        self.momentum, self.interval, self.warm_up = momentum ** interval, interval, warm_up
        self.checkpoint = resume_from
        self.swapped = False
        self.param_ema_buffer: dict[str, str] = {}
        self._params: dict[str, torch.Tensor] = {}
        self._buffers: dict[str, torch.Tensor] = {}
        self._pending: dict[str, torch.Tensor] | None = None  # averages read by a resume before `before_run`
        self._state_loaded = False

    def before_run(self, runner: Any) -> None:
        """Register an `ema_*` buffer per parameter (the resumed average, or a copy of the parameter)."""
        model = unwrap_model(runner.model)
        self._params = dict(model.named_parameters())
        pending, self._pending = self._pending or {}, None
        for name, param in self._params.items():
            buffer = ema_buffer_name(name)
            self.param_ema_buffer[name] = buffer
            start = pending.get(name, param.data)
            model.register_buffer(buffer, start.detach().to(param.device, param.dtype).clone())
        named = dict(model.named_buffers())
        self._buffers = {name: named[buffer] for name, buffer in self.param_ema_buffer.items()}
        if self.checkpoint is not None:
            self._state_loaded = False
            runner.resume(self.checkpoint)
            if not self._state_loaded:  # mmcv's checkpoint: saved at an epoch's end, after its swap
                self.swapped = runner.unit == "epoch"

    def after_train_iter(self, runner: Any) -> None:
        step = runner.iter
        if step % self.interval:
            return
        weight = min(self.momentum, (1 + step) / (self.warm_up + step))
        with torch.no_grad():
            for name, param in self._params.items():
                self._buffers[name].mul_(1 - weight).add_(param.data, alpha=weight)

    def after_train_epoch(self, runner: Any) -> None:
        self._swap()

    def before_train_epoch(self, runner: Any) -> None:
        if self.swapped:
            self._swap()

    def _swap(self) -> None:
        with torch.no_grad():
            for name, param in self._params.items():
                held = param.data.clone()
                param.data.copy_(self._buffers[name])
                self._buffers[name].copy_(held)
        self.swapped = not self.swapped

    def state_dict(self) -> dict:
        # The averages are the model's own buffers (`state_dict` holds them too; saved once, as one storage):
        # a resume reads the model's weights before this hook has registered its buffers, so it needs them here.
        return {"swapped": self.swapped, "ema": {name: buffer.detach() for name, buffer in self._buffers.items()}}

    def load_state_dict(self, state: dict) -> None:
        """Take back `swapped` and the averages (keyed by parameter name; entries of other names, such as the
        batch-norm statistics earlier versions averaged, are ignored)."""
        self.swapped, self._state_loaded = bool(state["swapped"]), True
        averages = dict(state["ema"])
        if not self._buffers:
            self._pending = averages
            return
        with torch.no_grad():
            for name, buffer in self._buffers.items():
                if name in averages:
                    buffer.copy_(averages[name])


EMA_CHOICES = ("auto", "on", "off")


def weights_to_test(checkpoint: dict, ema: str = "auto", logger: logging.Logger | None = None) -> OrderedDict:
    """The state dict to test from `checkpoint` (as `read_checkpoint` gives it), without `ema_*` buffers.

    A checkpoint written with an EMAHook holds two copies of each parameter: the parameter and its `ema_*`
    buffer, one the average and the other the training weights — which is which depends on when it was saved
    (the hook swaps them at the end of each train epoch). vidrun's checkpoints record it (the hook's
    `swapped`); mmcv's do not. `ema`: 'auto' the average where the checkpoint records where it is, else the
    parameters as saved (what mmcv's test scripts load; a warning names the choice); 'on' the average (from
    the `ema_*` buffers where nothing is recorded: mmcv's layout mid-epoch, by iteration, or with the hook
    after the CheckpointHook); 'off' the training weights (the parameters as saved where nothing is
    recorded). A checkpoint without `ema_*` buffers gives its parameters ('on' is then a ValueError)."""
    if ema not in EMA_CHOICES:
        raise ValueError(f"ema must be one of {EMA_CHOICES}, not {ema!r}")
    state = checkpoint["state_dict"]
    pairs = {key: ema_buffer_name(key) for key in state if ema_buffer_name(key) in state}
    if not pairs:
        if ema == "on":
            raise ValueError("--ema on: the checkpoint holds no EMAHook averages (ema_* buffers)")
        return state
    log = logger or logging.getLogger(__name__)
    swapped = ((checkpoint.get("hooks") or {}).get("EMAHook") or {}).get("swapped")
    if swapped is None:
        from_buffers = ema == "on"
        if ema == "auto":
            log.warning("the checkpoint holds EMAHook averages (ema_* buffers) but no record of whether its "
                        "parameters hold the average (mmcv's EMAHook keeps none): testing the parameters as "
                        "saved, as mmcv's test scripts do; --ema on tests the ema_* buffers instead")
        log.info("testing the %s", "ema_* buffers" if from_buffers else "parameters as saved")
    else:
        from_buffers = (ema != "off") != bool(swapped)
        log.info("testing the %s weights (the checkpoint's %s)", "training" if ema == "off" else "EMA-averaged",
                 "ema_* buffers" if from_buffers else "parameters")
    dropped = set(pairs.values())
    out = OrderedDict((k, state[pairs[k]] if from_buffers and k in pairs else v)
                      for k, v in state.items() if k not in dropped)
    if getattr(state, "_metadata", None) is not None:
        out._metadata = state._metadata  # type: ignore[attr-defined]
    return out
