"""`Hook`: the base of everything a runner calls between its steps, and the `HOOKS` registry."""
from __future__ import annotations

from typing import Any

from vidrun.registry import Registry

HOOKS = Registry("HOOKS")

# The events a runner calls, in the order they first occur. The train/val variants call the generic event by
# default, so a hook overriding `before_epoch` runs before train and val epochs alike.
EVENTS = ("before_run", "before_train_epoch", "before_train_iter", "after_train_iter", "after_train_epoch",
          "before_val_epoch", "before_val_iter", "after_val_iter", "after_val_epoch", "after_run")
GENERIC_OF = {event: event.replace("_train", "").replace("_val", "") for event in EVENTS}
# Called instead of the remaining events when a run raises, with the exception: `on_exception(runner, exc)`.
EXCEPTION_EVENT = "on_exception"


class Hook:
    """Code the runner calls at fixed points of training. The loop, as pseudo-code::

        before_run
        for each (mode, n) of the workflow, until max_epochs (or max_iters) is reached:
            before_{mode}_epoch
            for each batch:
                before_{mode}_iter
                runner.outputs = model.{mode}_step(batch, optimizer)    # no gradients in val
                after_{mode}_iter          # OptimizerHook does backward + step here, in train only
            after_{mode}_epoch
        after_run
        # if anything above raises: on_exception(runner, exc) on every hook, then the exception goes on

    Override the events you need; `before_epoch`/`after_epoch`/`before_iter`/`after_iter` are called for
    both modes unless the mode-specific variant is overridden. A hook whose state must survive a resume
    (a best score, EMA weights, accumulated gradients) returns it from `state_dict` and takes it back in
    `load_state_dict`; it is stored in checkpoints.
    """

    priority: int  # set by the runner when the hook is registered
    stages = EVENTS  # mmcv's name for the events, in order

    def before_run(self, runner: Any) -> None: pass
    def after_run(self, runner: Any) -> None: pass
    def before_epoch(self, runner: Any) -> None: pass
    def after_epoch(self, runner: Any) -> None: pass
    def before_iter(self, runner: Any) -> None: pass
    def after_iter(self, runner: Any) -> None: pass

    def before_train_epoch(self, runner: Any) -> None: self.before_epoch(runner)
    def before_val_epoch(self, runner: Any) -> None: self.before_epoch(runner)
    def after_train_epoch(self, runner: Any) -> None: self.after_epoch(runner)
    def after_val_epoch(self, runner: Any) -> None: self.after_epoch(runner)
    def before_train_iter(self, runner: Any) -> None: self.before_iter(runner)
    def before_val_iter(self, runner: Any) -> None: self.before_iter(runner)
    def after_train_iter(self, runner: Any) -> None: self.after_iter(runner)
    def after_val_iter(self, runner: Any) -> None: self.after_iter(runner)

    def on_exception(self, runner: Any, exc: BaseException) -> None:
        """Called on every hook, in priority order, when the run raises `exc` (a hook's error, a failed step,
        Ctrl-C); the runner re-raises `exc` unchanged afterwards. Close what `before_run` opened here (a
        tracking run, a file) and mark the failure; do not raise. Events before `before_run` may not have
        run on this hook (an error in another hook's `before_run`)."""

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass

    # -- helpers for deciding when to act ---------------------------------------------------------------------
    def every_n_epochs(self, runner: Any, n: int) -> bool:
        return n > 0 and (runner.epoch + 1) % n == 0

    def every_n_inner_iters(self, runner: Any, n: int) -> bool:
        return n > 0 and (runner.inner_iter + 1) % n == 0

    def every_n_iters(self, runner: Any, n: int) -> bool:
        return n > 0 and (runner.iter + 1) % n == 0

    def end_of_epoch(self, runner: Any) -> bool:
        return runner.inner_iter + 1 == len(runner.data_loader)

    def is_last_epoch(self, runner: Any) -> bool:
        return runner.epoch + 1 == runner.max_epochs

    def is_last_iter(self, runner: Any) -> bool:
        return runner.iter + 1 == runner.max_iters

    def triggered_events(self) -> list[str]:
        """The events this hook's class (or the hook itself, as a ClosureHook) implements, directly or through
        its generic event."""
        own = {name for cls in type(self).__mro__ if cls is not Hook and issubclass(cls, Hook)
               for name in vars(cls)} | set(vars(self))
        events = [e for e in EVENTS if e in own or GENERIC_OF[e] in own and GENERIC_OF[e] != e]
        return events + [EXCEPTION_EVENT] * (EXCEPTION_EVENT in own)

    def get_triggered_stages(self) -> list[str]:
        """mmcv's name for `triggered_events`."""
        return self.triggered_events()
