"""`EmptyCacheHook`: releases cached CUDA memory at chosen points (fragmentation relief for long runs)."""
from __future__ import annotations

from typing import Any

import torch

from vidrun.runner.hooks.hook import HOOKS, Hook


@HOOKS.register_module()
class EmptyCacheHook(Hook):
    def __init__(self, before_epoch: bool = False, after_epoch: bool = True, after_iter: bool = False):
        self._before_epoch = before_epoch
        self._after_epoch = after_epoch
        self._after_iter = after_iter

    @staticmethod
    def _empty() -> None:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def before_epoch(self, runner: Any) -> None:
        if self._before_epoch:
            self._empty()

    def after_epoch(self, runner: Any) -> None:
        if self._after_epoch:
            self._empty()

    def after_iter(self, runner: Any) -> None:
        if self._after_iter:
            self._empty()
