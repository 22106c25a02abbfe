"""mmcv's small runner helpers by their names (`mmcv.runner.utils`): who and where a run is, a timestamp, and the
old `obj_from_dict`. vidrun's own code builds objects through registries (`vidrun.registry.build_from_cfg`)."""
from __future__ import annotations

import getpass
import socket
import sys
import time
import warnings
from types import ModuleType
from typing import Any


def get_host_info() -> str:
    """`user@host`, or '' (with a warning) where the user or host cannot be found (some containers)."""
    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except Exception as error:  # noqa: BLE001 - getuser raises KeyError, OSError, ... depending on the system
        warnings.warn(f"host or user not found: {error}", stacklevel=2)
        return ""


def get_time_str() -> str:
    """The local time as `YYYYmmdd_HHMMSS`, the stamp of a run's log files."""
    return time.strftime("%Y%m%d_%H%M%S", time.localtime())


def obj_from_dict(info: dict, parent: ModuleType | None = None, default_args: dict | None = None) -> Any:
    """`type(**rest)` for `info = dict(type=..., **rest)`, `default_args` filling what `info` lacks. `type` is a
    class, or the name of one in `parent` (or, without `parent`, of a loaded module)."""
    if not isinstance(info, dict) or "type" not in info:
        raise TypeError(f"obj_from_dict needs a dict with a 'type', not {info!r}")
    args = dict(info)
    obj_type = args.pop("type")
    if isinstance(obj_type, str):
        found = getattr(parent, obj_type, None) if parent is not None else sys.modules.get(obj_type)
        if found is None:
            where = f"module {parent.__name__}" if parent is not None else "the loaded modules"
            raise KeyError(f"obj_from_dict: no {obj_type!r} in {where}")
        obj_type = found
    elif not isinstance(obj_type, type):
        raise TypeError(f"obj_from_dict: type must be a str or a class, not {type(obj_type).__name__}")
    for name, value in (default_args or {}).items():
        args.setdefault(name, value)
    return obj_type(**args)
