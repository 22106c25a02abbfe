"""A runner's optimizer is one `torch.optim.Optimizer` or a dict of them by name (`{'generator': Adam,
'discriminator': Adam}`, as `optimizer=dict(generator=dict(type=...), discriminator=dict(type=...))` builds).

These helpers let the runner, the updater hooks and checkpoints treat both forms alike: `named_optimizers`
lists `(name, optimizer)` pairs (name None for a single optimizer), `per_optimizer` maps a function over them
keeping the form (a value, or a dict of values by name), and `load_optimizer_state_dict` restores what
`save_checkpoint` wrote as mmcv writes it (`{name: state_dict}` for a dict of optimizers).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from torch.optim import Optimizer

T = TypeVar("T")


def is_optimizer_dict(optimizer: Any) -> bool:
    """True when `optimizer` is a dict of optimizers (several, each stepped by the model's `train_step`)."""
    return isinstance(optimizer, dict)


def named_optimizers(optimizer: Any) -> list[tuple[str | None, Optimizer]]:
    """`[(None, optimizer)]` for one optimizer, `[(name, optimizer), ...]` in the dict's order for several.

    Raises TypeError naming the culprit when `optimizer` (or a value of the dict) has no `param_groups`.
    """
    pairs = list(optimizer.items()) if is_optimizer_dict(optimizer) else [(None, optimizer)]
    for name, opt in pairs:
        if not hasattr(opt, "param_groups"):
            culprit = "the runner's optimizer" if name is None else f"optimizer[{name!r}]"
            raise TypeError(f"{culprit} is a {type(opt).__name__}, not a torch optimizer (one optimizer, or a "
                            f"dict of optimizers by name)")
    return pairs


def per_optimizer(optimizer: Any, fn: Callable[[Optimizer], T]) -> T | dict[str, T]:
    """`fn(optimizer)` for one optimizer; `{name: fn(opt)}` for a dict of optimizers."""
    if is_optimizer_dict(optimizer):
        return {name: fn(opt) for name, opt in named_optimizers(optimizer)}
    return fn(named_optimizers(optimizer)[0][1])


def load_optimizer_state_dict(optimizer: Any, state: dict, source: str = "the checkpoint") -> None:
    """Load a checkpoint's `optimizer` entry `state` into `optimizer` (one optimizer or a dict of them).

    Raises ValueError naming `source` when the forms differ (a single optimizer's state for a dict of
    optimizers or the reverse) or when the names differ: every optimizer of the dict must find its state.
    """
    saved_several = isinstance(state, dict) and "param_groups" not in state
    if not is_optimizer_dict(optimizer):
        if saved_several:
            raise ValueError(f"{source} holds the states of several optimizers ({', '.join(map(str, state))}), "
                             f"but this runner has one optimizer; build the same dict of optimizers to resume")
        named_optimizers(optimizer)[0][1].load_state_dict(state)
        return
    if not saved_several:
        raise ValueError(f"{source} holds the state of one optimizer, but this runner has several "
                         f"({', '.join(optimizer)}); resume with the optimizers it was saved with")
    missing = [name for name in optimizer if name not in state]
    if missing:
        raise ValueError(f"{source} holds no state for optimizer(s) {', '.join(missing)} (it has "
                         f"{', '.join(map(str, state))})")
    unexpected = [name for name in state if name not in optimizer]
    if unexpected:
        raise ValueError(f"{source} holds the state of optimizer(s) {', '.join(map(str, unexpected))} that this "
                         f"runner does not have (it has {', '.join(optimizer)})")
    for name, opt in named_optimizers(optimizer):
        opt.load_state_dict(state[name])
