"""`build_optimizer(model, cfg)`: the config's `optimizer` entry to a torch optimizer, through a constructor.

`cfg` is copied (never changed): `constructor` (default `'DefaultOptimizerConstructor'`) and `paramwise_cfg` are
taken out, the constructor is built from `OPTIMIZER_BUILDERS` as `Constructor(optimizer_cfg=<the rest>,
paramwise_cfg=...)` and called on the model. A user constructor follows the same contract:
`__init__(self, optimizer_cfg, paramwise_cfg=None)` and `__call__(self, model)` returning the optimizer.
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


def build_optimizer(model: nn.Module, cfg: dict) -> Optimizer:
    """The optimizer that the config's `optimizer` entry `cfg` describes, over `model`'s parameters.

    `cfg` is deep-copied and never changed. A plain dict is reported in messages as `optimizer`; a loaded
    config's dict with its own key path and source lines. Raises `ConfigError` for every problem of the config
    (all of them at once where they can be found before building) and `TypeError` when a constructor returns
    something that is not an optimizer.
    """
    optimizer_cfg = copy.deepcopy(as_config(cfg, "optimizer"))
    constructor_type = optimizer_cfg.pop("constructor", "DefaultOptimizerConstructor")
    paramwise_cfg = optimizer_cfg.pop("paramwise_cfg", None)
    constructor = build_optimizer_constructor(
        dict(type=constructor_type, optimizer_cfg=optimizer_cfg, paramwise_cfg=paramwise_cfg))
    optimizer = constructor(model)
    if not (hasattr(optimizer, "param_groups") and hasattr(optimizer, "step")):
        raise TypeError(f"{optimizer_cfg.where('constructor')}: {type(constructor).__name__}(model) returned "
                        f"{type(optimizer).__name__}, not an optimizer; {CONTRACT}")
    return optimizer
