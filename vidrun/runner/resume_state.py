"""The state hooks keep across a resume, stored in checkpoints under `hooks`, keyed by hook class name (or the
class's `STATE_KEY`, where two classes share one state: `DistEvalHook` resumes `EvalHook`'s and back)."""
from __future__ import annotations

import logging
from collections import Counter

from vidrun.runner.hooks.hook import Hook


def _keys(hooks: list[Hook]) -> list[str]:
    # A second hook of the same class (two loggers, say) is keyed `Name#2`, in registration order.
    seen: Counter = Counter()
    keys = []
    for hook in hooks:
        name = getattr(type(hook), "STATE_KEY", type(hook).__name__)
        seen[name] += 1
        keys.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return keys


def hook_states(hooks: list[Hook]) -> dict[str, dict]:
    """`{key: hook.state_dict()}` for every hook that has state to keep."""
    return {key: state for key, hook in zip(_keys(hooks), hooks) if (state := hook.state_dict())}


def load_hook_states(hooks: list[Hook], states: dict[str, dict], logger: logging.Logger) -> None:
    """Give each hook its saved state; a saved state whose hook is no longer registered is reported."""
    keys = _keys(hooks)
    for key, hook in zip(keys, hooks):
        if key in states:
            hook.load_state_dict(states[key])
    orphans = sorted(set(states) - set(keys))
    if orphans:
        logger.warning("the checkpoint holds state of hooks this run does not have: %s", ", ".join(orphans))
