"""`build_optimizer(model, cfg)`: the config's `optimizer` entry to a torch optimizer, through a constructor.

`cfg` is copied (never changed): `constructor` (default `'DefaultOptimizerConstructor'`) and `paramwise_cfg` are
taken out, the constructor is built from `OPTIMIZER_BUILDERS` as `Constructor(optimizer_cfg=<the rest>,
paramwise_cfg=...)` and called on the model. A user constructor follows the same contract:
`__init__(self, optimizer_cfg, paramwise_cfg=None)` and `__call__(self, model)` returning the optimizer.
An entry without `type` whose values are all dicts describes several optimizers, one per sub-module.
"""
from __future__ import annotations

import copy
import inspect
from typing import Any

from torch import nn
from torch.optim import Optimizer

from vidrun.config import ConfigDict, ConfigError, did_you_mean
from vidrun.runner.optimizer.default_constructor import as_config
from vidrun.runner.optimizer.registries import OPTIMIZER_BUILDERS

CONTRACT = ("an optimizer constructor defines __init__(self, optimizer_cfg, paramwise_cfg=None) and "
            "__call__(self, model) returning the optimizer")


def _constructor_label(cfg: dict) -> str:
    optimizer_cfg = cfg.get("optimizer_cfg")
    return optimizer_cfg.where("constructor") if isinstance(optimizer_cfg, ConfigDict) else "constructor"


def _constructor_class(constructor_type: Any, label: str) -> Any:
    if inspect.isclass(constructor_type) or inspect.isfunction(constructor_type):
        return constructor_type
    if not isinstance(constructor_type, str) or constructor_type not in OPTIMIZER_BUILDERS:
        registered = sorted(OPTIMIZER_BUILDERS.module_dict)
        hint = did_you_mean(str(constructor_type), registered) or f"; registered: {', '.join(registered)}"
        raise ConfigError(f"{label}: {constructor_type!r} is not in OPTIMIZER_BUILDERS{hint}. A user constructor "
                          f"is registered with @OPTIMIZER_BUILDERS.register_module() in a module that "
                          f"custom_imports imports")
    return OPTIMIZER_BUILDERS.get(constructor_type)


def _check_contract(cls: Any, args: dict, label: str) -> None:
    try:
        inspect.signature(cls).bind(**args)
    except ValueError:  # no readable signature: let the call itself tell
        return
    except TypeError as error:
        raise ConfigError(f"{label}: {cls.__name__} cannot be called with {', '.join(args)} ({error}); "
                          f"{CONTRACT}") from error


def build_optimizer_constructor(cfg: dict) -> Any:
    """The constructor that `cfg = dict(type=<name or class>, optimizer_cfg=..., paramwise_cfg=...)` describes.

    Raises `ConfigError` naming `optimizer.constructor` (when `optimizer_cfg` came from a loaded config) for an
    unknown name, with close names suggested, and for a class that does not follow the constructor contract.
    """
    if not isinstance(cfg, dict):
        raise TypeError(f"an optimizer constructor config must be a dict, not {type(cfg).__name__}")
    args = dict(cfg)
    label = _constructor_label(cfg)
    cls = _constructor_class(args.pop("type", "DefaultOptimizerConstructor"), label)
    _check_contract(cls, args, label)
    return OPTIMIZER_BUILDERS.build(dict(args, type=cls))


def is_several(cfg: dict) -> bool:
    """True when the `optimizer` entry describes several optimizers: it has no `type` and every value is a
    dict (`dict(generator=dict(type='Adam', ...), discriminator=dict(type='Adam', ...))`)."""
    return bool(cfg) and "type" not in cfg and all(isinstance(value, dict) for value in cfg.values())


def build_optimizer(model: nn.Module, cfg: dict) -> Optimizer | dict[str, Optimizer]:
    """The optimizer that the config's `optimizer` entry `cfg` describes, over `model`'s parameters.

    Several optimizers (see `is_several`): `{name: optimizer}`, each built from its own entry (with its own
    `constructor` and `paramwise_cfg`) over the sub-module `getattr(model, name)` (of `model.module` for a
    wrapped model), as MMEditing's `build_optimizers` does; the model's `train_step` steps them.

    `cfg` is deep-copied and never changed. A plain dict is reported in messages as `optimizer`; a loaded
    config's dict with its own key path and source lines. Raises `ConfigError` for every problem of the config
    (all of them at once where they can be found before building, across all optimizers) and `TypeError`
    when a constructor returns something that is not an optimizer.
    """
    cfg = as_config(cfg, "optimizer")
    if is_several(cfg):
        return _build_several(model, cfg)
    return _build_one(model, cfg)


def _build_several(model: nn.Module, cfg: ConfigDict) -> dict[str, Optimizer]:
    module = getattr(model, "module", model)
    children = dict(module.named_children())
    problems: list[str] = []
    constructors = {}
    for name, entry in cfg.items():
        if not isinstance(children.get(name), nn.Module):
            problems.append(f"{cfg.where(name)}: {type(module).__name__} has no sub-module {name!r} to optimize"
                            f"{did_you_mean(str(name), children) or f'; its sub-modules: {list(children)}'} (the "
                            f"keys of a dict of optimizers name the model's sub-modules)")
        try:  # every optimizer's config is checked before any is built, all problems reported together
            constructors[name] = _constructor(entry)
        except ConfigError as error:
            problems += error.problems
    if problems:
        raise ConfigError(problems)
    return {name: _checked(constructor(children[name]), constructor, cfg[name])
            for name, constructor in constructors.items()}


def _constructor(cfg: dict) -> Any:
    """The constructor of one optimizer entry (`constructor` and `paramwise_cfg` taken out of a copy)."""
    optimizer_cfg = copy.deepcopy(as_config(cfg, "optimizer"))
    constructor_type = optimizer_cfg.pop("constructor", "DefaultOptimizerConstructor")
    paramwise_cfg = optimizer_cfg.pop("paramwise_cfg", None)
    return build_optimizer_constructor(
        dict(type=constructor_type, optimizer_cfg=optimizer_cfg, paramwise_cfg=paramwise_cfg))


def _checked(optimizer: Any, constructor: Any, cfg: dict) -> Optimizer:
    if not (hasattr(optimizer, "param_groups") and hasattr(optimizer, "step")):
        where = cfg.where("constructor") if isinstance(cfg, ConfigDict) else "optimizer.constructor"
        raise TypeError(f"{where}: {type(constructor).__name__}(model) returned {type(optimizer).__name__}, "
                        f"not an optimizer; {CONTRACT}")
    return optimizer


def _build_one(model: nn.Module, cfg: dict) -> Optimizer:
    constructor = _constructor(cfg)
    return _checked(constructor(model), constructor, cfg)
