"""`ClosureHook`: a hook made of one function, for code that builds hooks on the fly (mmcv's ClosureHook)."""
from __future__ import annotations

from collections.abc import Callable

from vidrun.config import did_you_mean
from vidrun.runner.hooks.hook import EVENTS, EXCEPTION_EVENT, GENERIC_OF, HOOKS, Hook


@HOOKS.register_module()
class ClosureHook(Hook):
    """Calls `fn(runner)` at the event `fn_name` (`'after_train_epoch'`, `'before_iter'`, ...)."""

    def __init__(self, fn_name: str, fn: Callable):
        if fn_name not in EVENTS + tuple(GENERIC_OF.values()) + (EXCEPTION_EVENT,):
            raise ValueError(f"ClosureHook: {fn_name!r} is not a hook event{did_you_mean(fn_name, EVENTS)}")
        if not callable(fn):
            raise TypeError(f"ClosureHook: fn must be callable, not {type(fn).__name__}")
        setattr(self, fn_name, fn)
