"""`RunnerHooks`: the hook list of a runner: registering hooks (one at a time, from configs, or the default set),
calling an event on all of them, and describing their order. `BaseRunner` inherits it."""
from __future__ import annotations

import traceback
from typing import Any

from vidrun.runner import default_hooks
from vidrun.runner.hooks.hook import EXCEPTION_EVENT, HOOKS, Hook
from vidrun.runner.priority import Priority, get_priority
from vidrun.utils.errors import with_context


class RunnerHooks:
    """Hook registration and calling, with mmcv 1.7's method names and arguments. Each `register_*_hook`
    works alone; `register_training_hooks` is all of them in order (see `vidrun.runner.default_hooks` for
    the priorities and why). Expects `_hooks`, `_event`, `_epoch`, `_iter` and `logger` on the runner."""

    _hooks: list[Hook]
    _event: str | None

    def register_hook(self, hook: Hook, priority: int | str = "NORMAL") -> None:
        """Insert `hook` after every hook of lower or equal priority (ties keep registration order)."""
        if not isinstance(hook, Hook):
            raise TypeError(f"{type(hook).__name__} is not a Hook")
        if any(h is hook for h in self._hooks):
            raise ValueError(f"this {type(hook).__name__} is already registered")
        hook.priority = get_priority(priority)
        index = len(self._hooks)
        while index > 0 and self._hooks[index - 1].priority > hook.priority:
            index -= 1
        self._hooks.insert(index, hook)

    def register_hook_from_cfg(self, hook_cfg: dict) -> None:
        """Build a hook from `dict(type=..., priority=..., **args)` (priority defaults to NORMAL)."""
        hook_cfg = hook_cfg.copy()
        priority = hook_cfg.pop("priority", "NORMAL")
        self.register_hook(HOOKS.build(hook_cfg), priority=priority)

    def register_lr_hook(self, lr_config: dict | Hook | None) -> None:
        default_hooks.register_lr_hook(self, lr_config)

    def register_momentum_hook(self, momentum_config: dict | Hook | None) -> None:
        default_hooks.register_momentum_hook(self, momentum_config)

    def register_optimizer_hook(self, optimizer_config: dict | Hook | None) -> None:
        default_hooks.register_optimizer_hook(self, optimizer_config)

    def register_checkpoint_hook(self, checkpoint_config: dict | Hook | None) -> None:
        default_hooks.register_checkpoint_hook(self, checkpoint_config)

    def register_timer_hook(self, timer_config: dict | Hook | None) -> None:
        default_hooks.register_timer_hook(self, timer_config)

    def register_logger_hooks(self, log_config: dict | None) -> None:
        default_hooks.register_logger_hooks(self, log_config)

    def register_custom_hooks(self, custom_config: list | dict | Hook | None) -> None:
        default_hooks.register_custom_hooks(self, custom_config)

    def register_profiler_hook(self, profiler_config: dict | Hook | None) -> None:
        default_hooks.register_profiler_hook(self, profiler_config)

    def register_training_hooks(self, lr_config: dict | Hook | None, optimizer_config: dict | Hook | None = None,
                                checkpoint_config: dict | Hook | None = None, log_config: dict | None = None,
                                momentum_config: dict | Hook | None = None,
                                timer_config: dict | Hook | None = default_hooks.DEFAULT_TIMER,
                                custom_hooks_config: list | dict | Hook | None = None) -> None:
        """The default hooks of a training run; see `vidrun.runner.default_hooks.register_training_hooks`."""
        default_hooks.register_training_hooks(self, lr_config, optimizer_config, checkpoint_config, log_config,
                                              momentum_config, timer_config, custom_hooks_config)

    def call_hook(self, event: str) -> None:
        """Call `event` on every hook in priority order; an error names the hook, the event and the place."""
        self._event = event
        for hook in self._hooks:
            try:
                getattr(hook, event)(self)
            except Exception as error:
                where = f"epoch {self._epoch + 1}, iter {self._iter + 1}"
                raise with_context(error, f"{type(hook).__name__}.{event} ({where}): {error}") from error
        self._event = None

    def call_exception_hooks(self, exc: BaseException) -> None:
        """`on_exception(runner, exc)` on every hook, in priority order, when a run raises. A hook that
        fails here is logged and the others still run: the caller re-raises `exc` itself."""
        self._event = EXCEPTION_EVENT
        for hook in self._hooks:
            try:
                hook.on_exception(self, exc)
            except Exception as error:  # noqa: BLE001 - the run's own exception is the one to see
                self.logger.error("%s.on_exception failed: %s", type(hook).__name__,
                                  traceback.format_exception_only(type(error), error)[-1].strip())
        self._event = None

    def hook_order(self) -> str:
        """The hooks in calling order, with priority and the events each implements (logged at start)."""
        lines = [f"{'priority':<9}{'hook':<34}events"]
        lines += [f"{h.priority:<9}{type(h).__name__:<34}{', '.join(h.triggered_events()) or '-'}"
                  for h in self._hooks]
        return "\n".join(lines)

    def get_hook_info(self) -> str:
        """mmcv's view of the same: for each event, `event:` then a `(PRIORITY  ) HookClass` line for each
        hook that implements it, in calling order, closed by a dashed line; events no hook implements are
        left out."""
        sections = []
        for stage in (*Hook.stages, EXCEPTION_EVENT):
            hooks = [h for h in self._hooks if stage in h.get_triggered_stages()]
            if hooks:
                lines = [f"({_priority_name(h.priority):<12}) {type(h).__name__:<35}" for h in hooks]
                sections.append(f"{stage}:\n" + "\n".join(lines) + "\n -------------------- ")
        return "\n".join(sections)


def _priority_name(priority: int) -> str | int:
    try:
        return Priority(priority).name
    except ValueError:
        return priority
