"""Registries: the one place where a config dict becomes an object.

A registry maps names to classes or functions. `type` in a config dict is the exact registered name (or a class
or function); the other keys are the constructor's keyword arguments, checked against its signature before the
call so that a typo is reported with its key path rather than as a bare `TypeError`.
"""
from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from typing import Any

from vidrun.config import ConfigDict, ConfigError, did_you_mean
from vidrun.utils.errors import with_context


class Registry:
    """A flat mapping from names to classes or functions, filled by `register_module`."""

    def __init__(self, name: str, build_func: Callable[..., Any] | None = None):
        self._name = name
        self._module_dict: dict[str, Any] = {}
        self._build_func = build_func or build_from_cfg

    @property
    def name(self) -> str:
        return self._name

    @property
    def module_dict(self) -> dict[str, Any]:
        return self._module_dict

    def __len__(self) -> int:
        return len(self._module_dict)

    def __contains__(self, key: str) -> bool:
        return key in self._module_dict

    def __repr__(self) -> str:
        return f"Registry(name={self._name!r}, items={sorted(self._module_dict)})"

    def get(self, key: str) -> Any | None:
        """The class or function registered as `key`, or None."""
        return self._module_dict.get(key)

    def build(self, cfg: dict, default_args: dict | None = None) -> Any:
        return self._build_func(cfg, self, default_args)

    def register_module(self, name: str | Iterable[str] | None = None, force: bool = False,
                        module: Any = None) -> Any:
        """Register a class or function under its own name or `name` (a string or a list of aliases).

        Use as a decorator (`@REG.register_module()`) or a call (`REG.register_module(module=cls)`). A name that
        is already taken by another object is an error unless `force=True`.
        """
        if not isinstance(force, bool):
            raise TypeError(f"force must be a bool, not {type(force).__name__}")
        if name is not None and not isinstance(name, str):
            name = list(name)
            if not all(isinstance(n, str) for n in name):
                raise TypeError(f"name must be None, a str or a list of str, not {name!r}")
        if module is not None:
            self._register(module, name, force)
            return module

        def decorator(obj: Any) -> Any:
            self._register(obj, name, force)
            return obj
        return decorator

    def _register(self, obj: Any, name: str | list[str] | None, force: bool) -> None:
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            raise TypeError(f"only a class or a function can be registered in {self._name}, not {obj!r}")
        names = [obj.__name__] if name is None else [name] if isinstance(name, str) else name
        for key in names:
            existing = self._module_dict.get(key)
            if existing is not None and existing is not obj and not force:
                raise KeyError(f"{key!r} is already registered in {self._name} "
                               f"(by {existing.__module__}.{existing.__qualname__}); "
                               f"pass force=True to replace it")
            self._module_dict[key] = obj


def _describe(cfg: dict, key: str) -> str:
    return cfg.where(key) if isinstance(cfg, ConfigDict) else key


def _resolve_type(cfg: dict, obj_type: Any, registry: Registry) -> Any:
    if inspect.isclass(obj_type) or inspect.isfunction(obj_type):
        return obj_type
    if not isinstance(obj_type, str):
        raise ConfigError(f"{_describe(cfg, 'type')}: must be a registered name, a class or a function, "
                          f"not {obj_type!r}")
    obj = registry.get(obj_type)
    if obj is None:
        hint = did_you_mean(obj_type, registry.module_dict)
        if not hint:
            hint = f"; registered: {', '.join(sorted(registry.module_dict)) or 'none'}"
        raise ConfigError(f"{_describe(cfg, 'type')}: {obj_type!r} is not in {registry.name}{hint}")
    return obj


def _suggest_argument(key: str, accepted: Iterable[str]) -> str:
    # An abbreviated argument (`dropout` for `dropout_ratio`) is as likely a slip as a misspelt one.
    hint = did_you_mean(key, accepted)
    longer = [a for a in accepted if len(key) >= 3 and a.startswith(key)]
    if hint or not longer:
        return hint
    return " (did you mean " + " or ".join(repr(a) for a in longer) + "?)"


def _forwarded_parameters(obj: Any) -> dict | None:
    """For a class whose `__init__` takes `**kwargs`, the keyword parameters of the base-class constructors
    those kwargs are passed on to (the usual `super().__init__(**kwargs)`), or None when the chain ends in a
    constructor that takes anything (kwargs kept by the class itself)."""
    if not inspect.isclass(obj):
        return None
    inits = [c.__dict__["__init__"] for c in obj.__mro__[1:] if "__init__" in c.__dict__]
    found: dict = {}
    for init in inits:
        if init is object.__init__:
            return None
        try:
            params = list(inspect.signature(init).parameters.values())[1:]
        except (TypeError, ValueError):
            return None
        found.update({p.name: p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)})
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return found
    return None


def check_arguments(obj: Any, args: dict, cfg: dict) -> None:
    """Raise one ConfigError listing every key of `args` that `obj` does not accept and every required
    argument that is missing. `**kwargs` passed on to a base-class constructor are checked against it;
    callables that keep `**kwargs` themselves, or have no readable signature, accept anything."""
    try:
        params = inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return
    named = {n: p for n, p in params.items()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    forwarded = _forwarded_parameters(obj) if any(p.kind == p.VAR_KEYWORD for p in params.values()) else {}
    problems = []
    if forwarded is not None:
        named_or_forwarded = {**named, **forwarded}
        for key in args:
            if key not in named_or_forwarded:
                accepted = ", ".join(named_or_forwarded) or "nothing"
                problems.append(f"{_describe(cfg, key)}: {obj.__name__} takes no argument {key!r}"
                                f"{_suggest_argument(key, named_or_forwarded)}; it accepts: {accepted}")
    for pname, param in named.items():
        if param.default is param.empty and pname not in args:
            problems.append(f"{_path(cfg)}: {obj.__name__} needs the argument {pname!r}, which is missing")
    if problems:
        raise ConfigError(problems)


def check_keys(cfg: dict, allowed: Iterable[str], owner: str) -> None:
    """Raise one ConfigError naming every key of `cfg` outside the fixed set `allowed` (e.g. `paramwise_cfg`,
    `grad_clip`), each with its key path and the closest allowed key."""
    allowed = list(allowed)
    problems = [f"{_describe(cfg, key)}: {owner} takes no key {key!r}{_suggest_argument(key, allowed)}; "
                f"it accepts: {', '.join(allowed)}" for key in cfg if key not in allowed]
    if problems:
        raise ConfigError(problems)


def _path(cfg: dict) -> str:
    return cfg.where() if isinstance(cfg, ConfigDict) else "<config>"


def _reraise(error: Exception, obj: Any, cfg: dict, args: dict) -> None:
    mentioned = [k for k in args if re.search(rf"(?<![\w.]){re.escape(str(k))}(?![\w(])", str(error))]
    culprit = f" (argument {', '.join(repr(k) for k in mentioned)})" if mentioned else ""
    message = f"{_path(cfg)}: {obj.__name__}{culprit} failed: {type(error).__name__}: {error}"
    raise with_context(error, message) from error


def build_from_cfg(cfg: dict, registry: Registry, default_args: dict | None = None) -> Any:
    """Build the object that `cfg` describes: `registry[cfg['type']](**other keys)`.

    `default_args` fill only the keys that `cfg` lacks. Errors name the config key path (when `cfg` came from
    a loaded config) and, for a constructor that raises, the class and the argument its message mentions;
    the original exception is chained.
    """
    if not isinstance(cfg, dict):
        raise TypeError(f"a config for {registry.name} must be a dict, not {type(cfg).__name__}: {cfg!r}")
    if default_args is not None and not isinstance(default_args, dict):
        raise TypeError(f"default_args must be a dict or None, not {type(default_args).__name__}")
    if "type" not in cfg and "type" not in (default_args or {}):
        raise ConfigError(f"{_path(cfg)}: no 'type' given for an entry of {registry.name}")
    args = dict(cfg)
    for key, value in (default_args or {}).items():
        args.setdefault(key, value)
    obj = _resolve_type(cfg, args.pop("type"), registry)
    check_arguments(obj, args, cfg)
    try:
        return obj(**args)
    except ConfigError:
        raise  # a nested build already named its own key path
    except Exception as error:  # noqa: BLE001 - re-raised with the config context, cause chained
        _reraise(error, obj, cfg, args)
