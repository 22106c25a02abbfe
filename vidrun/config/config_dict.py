"""`ConfigDict`: a dict with attribute access that knows its key path and where each key was written.

Every error raised while turning a config into objects names the key path (`model.cls_head.type`) and the
file and line that set it. To make that possible without threading paths through every builder, each nested
dict of a loaded config is a `ConfigDict` that knows its own path; all of them share one map from dotted key
path to source location (`configs/tsn.py:12`, `--cfg-options`).
"""
from __future__ import annotations

from typing import Any

from vidrun.config.errors import did_you_mean


def _rebuild(data: dict, key_path: str, origins: dict) -> "ConfigDict":
    return ConfigDict(data, key_path=key_path, origins=origins)


class ConfigDict(dict):
    """A dict whose nested dicts (also inside lists and tuples) are `ConfigDict`s that know their key path."""

    def __init__(self, data: Any = None, *, key_path: str = "", origins: dict[str, str] | None = None,
                 **kwargs: Any):
        super().__init__()
        object.__setattr__(self, "_key_path", key_path)
        object.__setattr__(self, "_origins", {} if origins is None else origins)
        for key, value in dict(data or {}, **kwargs).items():
            self[key] = value

    # -- where things are -------------------------------------------------------------------------------------
    @property
    def key_path(self) -> str:
        """The dotted path of this dict inside the whole config ('' for the root)."""
        return self._key_path

    def key_path_of(self, key: Any) -> str:
        """The dotted path of `key` of this dict, e.g. `model.cls_head.type`."""
        return f"{self._key_path}.{key}" if self._key_path else str(key)

    def origin_of(self, key: Any = None) -> str | None:
        """The file (and line) that wrote `key`, or the nearest enclosing key written as a whole; `None` when
        unknown. Without `key`, the origin of this dict itself."""
        path = self._key_path if key is None else self.key_path_of(key)
        while True:
            if path in self._origins:
                return self._origins[path]
            if "." not in path:
                return self._origins.get("")
            path = path.rsplit(".", 1)[0]

    def where(self, key: Any = None) -> str:
        """`model.cls_head.type (configs/tsn.py:12)`: the key path, with its origin when known."""
        path = self._key_path if key is None else self.key_path_of(key)
        origin = self.origin_of(key)
        shown = path or "<config>"
        return f"{shown} ({origin})" if origin else shown

    def set_origin(self, key: Any, origin: str) -> None:
        """Record that `key` of this dict was written at `origin`, replacing what its subtree said before."""
        path = self.key_path_of(key)
        for stale in [p for p in self._origins if p.startswith(path + ".")]:
            del self._origins[stale]
        self._origins[path] = origin

    # -- dict behaviour ---------------------------------------------------------------------------------------
    def _wrap(self, path: str, value: Any) -> Any:
        if isinstance(value, dict):
            return ConfigDict(value, key_path=path, origins=self._origins)
        if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
            return type(value)(self._wrap(f"{path}.{i}", v) for i, v in enumerate(value))
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, self._wrap(self.key_path_of(key), value))

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def copy(self) -> "ConfigDict":
        return ConfigDict(self, key_path=self._key_path, origins=self._origins)

    def __reduce__(self):
        return _rebuild, (dict(self), self._key_path, self._origins)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            hint = did_you_mean(name, [k for k in self if isinstance(k, str)])
            raise AttributeError(f"{self.where() if self._key_path else 'the config'} has no key "
                                 f"{name!r}{hint}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_dict(self) -> dict:
        """Plain nested dicts, lists and tuples, with no `ConfigDict` left inside."""
        return to_plain(self)


def to_plain(value: Any) -> Any:
    """`value` with every nested `dict` subclass turned into a plain `dict` (lists and tuples kept)."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        return type(value)(to_plain(v) for v in value)
    return value
