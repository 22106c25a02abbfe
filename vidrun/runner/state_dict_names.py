"""The names in a model's state dict: the model inside DataParallel / DDP and similar wrappers
(`unwrap_model`), keys without the `module.` of wrapped sub-modules (`get_state_dict`, mmcv's), and the
`ema_*` buffers in which an EMAHook keeps its averages."""
from __future__ import annotations

from collections import OrderedDict

from torch import nn


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model inside DataParallel / DistributedDataParallel, a `torch.compile` wrapper, or any wrapper
    whose only content is a child named `module` (the DDP convention), so saved keys carry no prefix."""
    while True:
        if isinstance(model, (nn.DataParallel, nn.parallel.DistributedDataParallel)):
            model = model.module
        elif isinstance(getattr(model, "_orig_mod", None), nn.Module):
            model = model._orig_mod
        elif ([name for name, _ in model.named_children()] == ["module"]
              and next(model.parameters(recurse=False), None) is None
              and next(model.buffers(recurse=False), None) is None):
            model = model.module
        else:
            return model


_WRAPPERS = (nn.DataParallel, nn.parallel.DistributedDataParallel)


def plain_name(root: nn.Module, name: str) -> str:
    """`name` (a state-dict key or a module path under `root`) without the `module` step of every
    DataParallel / DistributedDataParallel wrapper it passes through."""
    kept, module = [], root
    for part in name.split(".") if name else []:
        if isinstance(module, _WRAPPERS) and part == "module":
            module = module.module
            continue
        kept.append(part)
        module = module._modules.get(part) if isinstance(module, nn.Module) else None
    return ".".join(kept)


def get_state_dict(module: nn.Module, destination: OrderedDict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
    """`module.state_dict()` as mmcv's `get_state_dict` gives it: the model unwrapped (`unwrap_model`), and a
    sub-module wrapped in DataParallel / DistributedDataParallel (at any depth) keyed without the wrapper's
    `module.`, so the keys are those of the bare model. `_metadata` follows the same names; entries are
    added to `destination` when given."""
    module = unwrap_model(module)
    state = module.state_dict(keep_vars=keep_vars)
    out = destination if destination is not None else OrderedDict()
    for key, value in state.items():
        out[prefix + plain_name(module, key)] = value
    metadata = getattr(state, "_metadata", None)
    if metadata is not None and hasattr(out, "__dict__"):  # a plain dict `destination` cannot carry it
        names = ((plain_name(module, k), v) for k, v in metadata.items())
        plain = OrderedDict((f"{prefix}{name}" if name else prefix.rstrip("."), v) for name, v in names)
        out._metadata = {**getattr(out, "_metadata", {}), **plain}  # type: ignore[attr-defined]
    return out


def ema_buffer_name(param_name: str) -> str:
    """The buffer in which mmcv's EMAHook (and vidrun's) keeps the average of parameter `param_name`:
    `backbone.conv1.weight` -> `ema_backbone_conv1_weight`."""
    return f"ema_{param_name.replace('.', '_')}"


def ema_averages(unexpected: list[str], module: nn.Module) -> set[str]:
    # The keys that are EMAHook averages of this model's parameters (a model built without the hook).
    names = {ema_buffer_name(plain_name(module, name)) for name, _ in module.named_parameters()}
    return {key for key in unexpected if key in names}


def to_wrapped_names(state_dict: dict, module: nn.Module) -> dict:
    """`state_dict` keyed by the bare model's names, renamed to `module`'s own where sub-modules of it are
    wrapped (`backbone.conv.weight` -> `backbone.module.conv.weight`); as it is otherwise."""
    if not any(isinstance(m, _WRAPPERS) for m in module.modules()):
        return state_dict
    keys = {plain_name(module, k): k for k in module.state_dict()}
    paths = {plain_name(module, name): name for name, _ in module.named_modules()}  # the inner module wins
    out = OrderedDict((keys.get(k, k), v) for k, v in state_dict.items())
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        out._metadata = OrderedDict((paths.get(k, k), v) for k, v in metadata.items())  # type: ignore[attr-defined]
    return out


def weights_to_cpu(state_dict: dict) -> OrderedDict:
    """A copy of `state_dict` with every tensor on the CPU (its `_metadata` kept), as mmcv's function of that
    name."""
    moved = OrderedDict((key, value.cpu()) for key, value in state_dict.items())
    moved._metadata = getattr(state_dict, "_metadata", OrderedDict())  # type: ignore[attr-defined]
    return moved
