"""`DefaultOptimizerConstructor`: parameter groups from `paramwise_cfg`, then the optimizer from `OPTIMIZERS`.

The whole optimizer config is checked when the constructor is made, before any model exists: the optimizer's
type and arguments (against its signature) and every `paramwise_cfg` key, all problems reported in one
`ConfigError`, each with its key path (`optimizer.momentun`, `optimizer.paramwise_cfg.bias_lr_mul`).
"""
from __future__ import annotations

import inspect
import logging
import warnings
from collections.abc import Iterator
from typing import Any, ClassVar

from torch import nn
from torch.optim import Optimizer

from vidrun.config import ConfigDict, ConfigError, did_you_mean
from vidrun.registry import build_from_cfg, check_arguments
from vidrun.runner.optimizer.paramwise import (PARAMWISE_KEYS, ParamwiseRules, is_deformable_conv,
                                               paramwise_problems, where, wrapped_name)
from vidrun.runner.optimizer.registries import OPTIMIZER_BUILDERS, OPTIMIZERS


def as_config(cfg: Any, key_path: str) -> ConfigDict:
    """`cfg` as a `ConfigDict`, so that messages name key paths: a loaded config's dict is used as is (it knows
    its path and source lines); a plain dict is labelled `key_path`."""
    if not isinstance(cfg, dict):
        raise ConfigError(f"{key_path}: must be a dict, not {type(cfg).__name__} ({cfg!r})")
    return cfg if isinstance(cfg, ConfigDict) else ConfigDict(cfg, key_path=key_path)


def optimizer_class(optimizer_cfg: dict) -> tuple[Any, list[str]]:
    """The class (or function) that `optimizer_cfg['type']` names, or None and the problem found."""
    opt_type = optimizer_cfg.get("type")
    if opt_type is None:
        return None, [f"{where(optimizer_cfg)}: no 'type' given; name an optimizer, e.g. type='SGD'"]
    if inspect.isclass(opt_type) or inspect.isfunction(opt_type):
        return opt_type, []
    if not isinstance(opt_type, str):
        return None, [f"{where(optimizer_cfg, 'type')}: must be a registered name or a class, not {opt_type!r}"]
    if opt_type not in OPTIMIZERS:
        hint = did_you_mean(opt_type, OPTIMIZERS.module_dict) or (
            f"; registered: {', '.join(sorted(OPTIMIZERS.module_dict))}. A user optimizer is registered with "
            f"@OPTIMIZERS.register_module() in a module that custom_imports imports")
        return None, [f"{where(optimizer_cfg, 'type')}: {opt_type!r} is not in OPTIMIZERS{hint}"]
    return OPTIMIZERS.get(opt_type), []


def _takes_params(signature: inspect.Signature) -> bool:
    param = signature.parameters.get("params")
    return (param is not None and param.kind != param.POSITIONAL_ONLY) or any(
        p.kind == p.VAR_KEYWORD for p in signature.parameters.values())


def argument_problems(cls: Any, optimizer_cfg: dict) -> list[str]:
    """Keys of `optimizer_cfg` that `cls` does not accept, required arguments it lacks, and a `cls` that cannot
    take the parameters to optimize as `params=`."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return []
    problems = []
    if "params" in optimizer_cfg:
        problems.append(f"{where(optimizer_cfg, 'params')}: the parameters are taken from the model; remove this "
                        f"key (choose groups with paramwise_cfg or a custom constructor)")
    args = {k: v for k, v in optimizer_cfg.items() if k not in ("type", "params")}
    if _takes_params(signature):
        args["params"] = None
    else:
        problems.append(f"{where(optimizer_cfg, 'type')}: {cls.__name__} must accept the parameters to optimize "
                        f"as an argument named `params`: define __init__(self, params, ...) and pass them on "
                        f"with super().__init__(params, defaults); vidrun calls {cls.__name__}(params=..., "
                        f"<the other optimizer keys>)")
    try:
        check_arguments(cls, args, optimizer_cfg)
    except ConfigError as error:
        problems += error.problems
    return problems


def default_lr(cls: Any, optimizer_cfg: dict) -> Any:
    """The lr that `lr_mult`s scale: the config's `lr`, else the optimizer's default `lr`, else None."""
    if optimizer_cfg.get("lr") is not None:
        return optimizer_cfg["lr"]
    try:
        param = inspect.signature(cls).parameters.get("lr")
    except (TypeError, ValueError):
        return None
    return None if param is None or param.default is param.empty else param.default


def named_parameters(module: nn.Module, prefix: str = "") -> Iterator[tuple[str, str, nn.Module, nn.Parameter]]:
    """`(full name, name in its module, module, parameter)` for every parameter, module tree in pre-order. A
    parameter shared by two modules comes once for each, so that duplicates can be reported or skipped."""
    for module_name, owner in module.named_modules(prefix=prefix, remove_duplicate=False):
        for local_name, param in owner.named_parameters(recurse=False, remove_duplicate=False):
            yield (f"{module_name}.{local_name}" if module_name else local_name), local_name, owner, param


@OPTIMIZER_BUILDERS.register_module()
class DefaultOptimizerConstructor:
    """Build an optimizer for a model from `optimizer_cfg` (the `optimizer` entry less `constructor` and
    `paramwise_cfg`) and `paramwise_cfg`.

    Without `paramwise_cfg` (None or empty) the optimizer gets one group, `model.parameters()`. With one, each
    parameter gets its own group, in the model's order: a frozen parameter (`requires_grad=False`) with no
    overrides; a parameter already seen (shared by two modules) is skipped with a warning when
    `bypass_duplicate=True` and is a `ConfigError` otherwise; every other parameter gets the overrides of
    `paramwise.ParamwiseRules`. A custom key that matches no parameter name warns (it is almost always a typo).

    `dcn_offset_lr_mult` follows mmcv's rule for deformable convolutions (see `paramwise`); on a model
    without one it changes nothing, which is logged once.

    Raises `ConfigError`, once for all problems, when made with a bad config. A subclass may override
    `add_params(params, module, prefix='')` or `__call__(model)`; such a subclass reads `paramwise_cfg` its own
    way, so its keys are not checked against `paramwise_keys` unless it sets that class attribute itself.
    """

    paramwise_keys: ClassVar[frozenset[str] | None] = PARAMWISE_KEYS

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        overrides = "add_params" in cls.__dict__ or "__call__" in cls.__dict__
        if overrides and "paramwise_keys" not in cls.__dict__:
            cls.paramwise_keys = None

    def __init__(self, optimizer_cfg: dict, paramwise_cfg: dict | None = None):
        self.optimizer_cfg = as_config(optimizer_cfg, "optimizer")
        self.paramwise_cfg = as_config({} if paramwise_cfg is None else paramwise_cfg,
                                       self.optimizer_cfg.key_path_of("paramwise_cfg"))
        cls, problems = optimizer_class(self.optimizer_cfg)
        self.base_lr = default_lr(cls, self.optimizer_cfg)
        self.base_wd = self.optimizer_cfg.get("weight_decay")
        if cls is not None:
            problems += argument_problems(cls, self.optimizer_cfg)
        if self.paramwise_cfg:
            problems += paramwise_problems(self.paramwise_cfg, self.optimizer_cfg, self.base_lr,
                                           self.paramwise_keys)
        if problems:
            raise ConfigError(problems)

    def __call__(self, model: nn.Module) -> Optimizer:
        """The optimizer over `model`'s parameters (`model.module`'s for a wrapped model)."""
        if hasattr(model, "module"):
            model = model.module
        if not self.paramwise_cfg:
            params: Any = model.parameters()
        else:
            params = []
            self.add_params(params, model)
        return build_from_cfg(self.optimizer_cfg, OPTIMIZERS, dict(params=params))

    def add_params(self, params: list[dict], module: nn.Module, prefix: str = "") -> None:
        """Append to `params` one group per parameter of `module`, named under `prefix` (see the class)."""
        rules = ParamwiseRules.from_cfg(self.paramwise_cfg, self.base_lr, self.base_wd)
        bypass = self.paramwise_cfg.get("bypass_duplicate", False)
        seen = {id(p): "a parameter group added before" for group in params for p in group["params"]}
        names, duplicates = [], []
        in_dcn = self._deformable_children(module)
        for name, local_name, owner, param in named_parameters(module, prefix):
            names.append(name)
            first = seen.get(id(param))
            if first is not None:
                if bypass:
                    self._warn_skipped(name, first)
                else:
                    duplicates.append((name, first))
                continue
            seen[id(param)] = name
            group = {"params": [param]}
            if param.requires_grad:
                group.update(rules.options(name, local_name, owner, id(owner) in in_dcn))
            params.append(group)
        if duplicates:
            raise ConfigError([self._duplicate_problem(name, first) for name, first in duplicates])
        self._warn_unmatched_keys(names)

    def _deformable_children(self, module: nn.Module) -> set[int]:
        """The ids of the direct children of deformable convolutions in `module`; logs (once a call) that
        `dcn_offset_lr_mult` changes nothing when there is no deformable convolution."""
        dcns = [m for m in module.modules() if is_deformable_conv(m)]
        if not dcns and "dcn_offset_lr_mult" in self.paramwise_cfg:
            logging.getLogger("vidrun").info("%s: the model has no deformable convolution (DeformConv2d, ModulatedDeformConv2d), "
                              "so it changes nothing", where(self.paramwise_cfg, "dcn_offset_lr_mult"))
        return {id(child) for dcn in dcns for child in dcn.children()}

    def _duplicate_problem(self, name: str, first: str) -> str:
        return (f"{where(self.paramwise_cfg)}: parameter {name!r} is the same tensor as {first!r} (a shared "
                f"parameter), and a torch optimizer rejects a parameter in two groups; set "
                f"{self.paramwise_cfg.key_path_of('bypass_duplicate')}=True to optimize it once, with the "
                f"settings of {first!r}")

    def _warn_skipped(self, name: str, first: str) -> None:
        warnings.warn(f"{where(self.paramwise_cfg, 'bypass_duplicate')}: parameter {name!r} is the same tensor "
                      f"as {first!r}; skipped, it is optimized once with the settings of {first!r}",
                      UserWarning, stacklevel=5)

    def _warn_unmatched_keys(self, names: list[str]) -> None:
        custom_keys = self.paramwise_cfg.get("custom_keys") or {}
        unmatched = [key for key in custom_keys if not any(key in wrapped_name(name) for name in names)]
        if not unmatched:
            return
        # Suggestions come from every contiguous run of name parts ('layer1', 'backbone.layer1', ...).
        parts = [name.split(".") for name in names]
        candidates = {".".join(p[i:j]) for p in parts for i in range(len(p)) for j in range(i + 1, len(p) + 1)}
        examples = ", ".join(repr(name) for name in names[:3])
        for key in unmatched:
            warnings.warn(f"{where(custom_keys, key)}: the custom key {key!r} matches no parameter name, so it "
                          f"has no effect{did_you_mean(key, candidates)}; a custom key is a substring of full "
                          f"parameter names such as {examples}", UserWarning, stacklevel=5)
