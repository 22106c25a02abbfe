"""`get_state_dict`: a module's state dict with the `module.` of every DataParallel / DistributedDataParallel
wrapper inside it left out, at any depth (mmcv's function of that name), so a model whose sub-modules were
wrapped saves the keys of the plain model."""
from __future__ import annotations

from collections import OrderedDict

from torch import nn

WRAPPERS = (nn.DataParallel, nn.parallel.DistributedDataParallel)


def get_state_dict(module: nn.Module, destination: OrderedDict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
    """`module.state_dict(keep_vars=keep_vars)` with each wrapper's `module.` dropped from the keys (and from
    `_metadata`, which an OrderedDict `destination` receives), each key preceded by `prefix`; added to
    `destination` when one is given, which is returned."""
    wrappers = {name for name, sub in module.named_modules() if isinstance(sub, WRAPPERS)}
    state = module.state_dict(keep_vars=keep_vars)
    destination = OrderedDict() if destination is None else destination
    for key, value in state.items():
        destination[prefix + _unwrapped(key, wrappers)] = value
    metadata = getattr(state, "_metadata", None)
    if metadata is not None and hasattr(destination, "__dict__"):  # a plain dict cannot carry it
        kept = getattr(destination, "_metadata", OrderedDict())
        for key, value in metadata.items():
            name = _unwrapped(key, wrappers) if key else key
            kept[(prefix + name).rstrip(".") if prefix else name] = value
        destination._metadata = kept  # type: ignore[attr-defined]
    return destination


def _unwrapped(key: str, wrappers: set[str]) -> str:
    """`key` without the `module` part that follows a wrapper's path."""
    parts, kept, path = key.split("."), [], ""
    for part in parts:
        if part == "module" and path in wrappers:
            path = f"{path}.{part}" if path else part
            continue
        path = f"{path}.{part}" if path else part
        kept.append(part)
    return ".".join(kept)


def weights_to_cpu(state_dict: dict) -> OrderedDict:
    """A copy of `state_dict` with every tensor on the CPU (its `_metadata` kept)."""
    moved = OrderedDict((key, value.cpu()) for key, value in state_dict.items())
    moved._metadata = getattr(state_dict, "_metadata", OrderedDict())  # type: ignore[attr-defined]
    return moved
