"""Opt-in speed settings of a training config: `channels_last=True` and `compile=dict(...)` (or `True`).

Both change how the model computes, not what: losses agree with the default run to float rounding (see
docs/extra-settings.md for the measured differences), and checkpoints keep the model's own state-dict keys, so
they load into a model built without the settings and a run resumes exactly with them.
"""
from __future__ import annotations

import logging
import time
from typing import Any

import torch
from torch import nn

from vidrun.config import ConfigError
from vidrun.runner.hooks.hook import Hook

FORMATS = {4: torch.channels_last, 5: torch.channels_last_3d}  # by tensor rank: 2D (NCHW) and 3D (NCTHW)


def to_channels_last(tensor: torch.Tensor) -> torch.Tensor:
    """`tensor` in channels-last memory format when it is 4-D (`channels_last`) or 5-D (`channels_last_3d`);
    other tensors are returned as they are. Values and shape never change, only the strides."""
    fmt = FORMATS.get(tensor.dim())
    return tensor if fmt is None else tensor.contiguous(memory_format=fmt)


def _inputs_channels_last(module: nn.Module, args: tuple) -> tuple:
    return tuple(to_channels_last(a) if isinstance(a, torch.Tensor) else a for a in args)


def apply_channels_last(model: nn.Module) -> nn.Module:
    """Put every 4-D and 5-D parameter and buffer of `model` (convolution weights) in channels-last memory
    format, in place, and convert the input of its backbone (the frames or clips, after the recognizer has
    flattened the views) the same way before each forward. Returns `model`."""
    model._apply(to_channels_last)
    target = getattr(model, "backbone", model)
    target.register_forward_pre_hook(_inputs_channels_last)
    return model


def compile_options(value: Any) -> dict | None:
    """The keyword arguments of `torch.compile` that a config's `compile` gives: `True` → `{}`, a dict → a
    copy, `False`/`None` → None (no compiling). Anything else is a ConfigError naming the key."""
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if isinstance(value, dict):
        return dict(value)
    raise ConfigError(f"compile: must be True, False, None or a dict of torch.compile arguments (such as "
                      f"dict(mode='max-autotune')), got {value!r}")


def apply_compile(model: nn.Module, options: dict) -> nn.Module:
    """Compile `model`'s forward in place with `torch.compile(**options)` (`nn.Module.compile`): the model
    stays the same object, so its state-dict keys get no `_orig_mod.` prefix. Compiling happens at the first
    forward. Returns `model`."""
    try:
        model.compile(**options)
    except TypeError as error:
        raise ConfigError(f"compile: {error} (the keys of compile are torch.compile's arguments)") from error
    return model


def apply_speed_settings(model: nn.Module, cfg: Any, logger: logging.Logger | None = None) -> nn.Module:
    """`model` with the config's `channels_last` and `compile` settings applied (neither is on by default).
    Call it before the optimizer is built and before any distributed wrapper."""
    logger = logger or logging.getLogger("vidrun")
    channels_last = cfg.get("channels_last", False)
    if not isinstance(channels_last, bool):
        raise ConfigError(f"channels_last: must be True or False, got {channels_last!r}")
    if channels_last:
        apply_channels_last(model)
        logger.info("channels_last: the model and its inputs are in channels-last memory format")
    options = compile_options(cfg.get("compile"))
    if options is not None:
        apply_compile(model, options)
        logger.info("compile: torch.compile(%s) of the model's forward; compiling happens at the first "
                    "iteration", ", ".join(f"{k}={v!r}" for k, v in options.items()))
    return model


class CompileTimeHook(Hook):
    """Logs once how long the first training iteration took, which with `compile` is mostly compiling."""

    def __init__(self) -> None:
        self._start: float | None = None
        self._done = False

    def before_train_iter(self, runner: Any) -> None:
        if not self._done:
            self._start = time.perf_counter()

    def after_train_iter(self, runner: Any) -> None:
        if not self._done and self._start is not None:
            self._done = True
            runner.logger.info("compile: the first iteration took %.1f s (torch.compile compiling the model)",
                               time.perf_counter() - self._start)
