"""What a logger hook written for mmcv calls on itself: `log(runner)` reading `runner.log_buffer.output`, and the
helpers `is_scalar`, `get_mode`, `get_epoch`, `get_iter`, `get_lr_tags`, `get_momentum_tags` and
`get_loggable_tags`. `LoggerHook` inherits them; vidrun's own loggers implement `log(runner, record)` instead."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import torch


class MmcvLoggerHelpers:
    """The helpers of mmcv's `LoggerHook`, with its names and arguments. While a `log(runner)` written for mmcv
    runs, `runner.mode` names the values being written (`'val'` for an evaluation's metrics written after a
    train epoch), so `runner.log_buffer` is their buffer and `get_mode` their mode."""

    by_epoch: bool | None

    @staticmethod
    def is_scalar(val: Any, include_np: bool = True, include_torch: bool = True) -> bool:
        """A number, a 0-d NumPy array, or a one-element tensor."""
        if isinstance(val, numbers.Number):
            return True
        if include_np and isinstance(val, np.ndarray) and val.ndim == 0:
            return True
        return include_torch and isinstance(val, torch.Tensor) and val.numel() == 1

    def get_mode(self, runner: Any) -> str:
        if runner.mode not in ("train", "val"):
            raise ValueError(f"runner.mode should be 'train' or 'val', not {runner.mode!r}")
        return runner.mode

    def get_epoch(self, runner: Any) -> int:
        """The 1-based epoch in a train epoch (an evaluation's line too); after a val epoch, the epochs done
        (the same number)."""
        running = getattr(self, "_running_mode", None) or runner.mode
        if running not in ("train", "val"):
            raise ValueError(f"runner.mode should be 'train' or 'val', not {running!r}")
        return runner.epoch + 1 if running == "train" else runner.epoch

    def get_iter(self, runner: Any, inner_iter: bool = False) -> int:
        """The 1-based iteration: within the epoch with `inner_iter` (by epoch only), else global."""
        return runner.inner_iter + 1 if self.by_epoch and inner_iter else runner.iter + 1

    def get_lr_tags(self, runner: Any) -> dict[str, float]:
        """`{'learning_rate': first group's lr}`, or `learning_rate/<name>` for each of a dict of optimizers."""
        return _first_of_each(runner.current_lr(), "learning_rate")

    def get_momentum_tags(self, runner: Any) -> dict[str, float]:
        return _first_of_each(runner.current_momentum(), "momentum")

    def get_loggable_tags(self, runner: Any, allow_scalar: bool = True, allow_text: bool = False,
                          add_mode: bool = True, tags_to_skip: tuple = ("time", "data_time")) -> dict:
        """The averaged values as `<mode>/<name>` (without `add_mode`: `<name>`), scalars unless not
        `allow_scalar`, strings only with `allow_text`, then the lr and momentum tags."""
        tags = {}
        for name, value in runner.log_buffer.output.items():
            if name in tags_to_skip or (self.is_scalar(value) and not allow_scalar) or (
                    isinstance(value, str) and not allow_text):
                continue
            tags[f"{self.get_mode(runner)}/{name}" if add_mode else name] = value
        tags.update(self.get_lr_tags(runner))
        tags.update(self.get_momentum_tags(runner))
        return tags


def _first_of_each(values: list | dict, tag: str) -> dict[str, float]:
    if isinstance(values, dict):
        return {f"{tag}/{name}": group_values[0] for name, group_values in values.items()}
    return {tag: values[0]}
