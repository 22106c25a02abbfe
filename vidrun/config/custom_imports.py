"""`custom_imports=dict(imports=[...], allow_failed_imports=False)`: importing the user's modules at load time.

Importing a module runs its `@REGISTRY.register_module()` decorators, which is how a user's classes become
buildable by name. A module is looked up on `sys.path` first. If it is not found there, vidrun also looks in the
working directory and the config file's directory, by appending both to `sys.path` and trying again (a vidrun
choice: a user's package beside the configs is importable without setting `PYTHONPATH`). The entries stay on
`sys.path`, so that data-loader workers and spawned processes can unpickle objects of the imported classes.
"""
from __future__ import annotations

import importlib
import os
import sys
import warnings
from collections.abc import Mapping
from types import ModuleType

from vidrun.config.errors import ConfigError
from vidrun.config.keys import custom_imports_problems


def run_custom_imports(custom_imports: Mapping, config_file: str | None = None) -> list[ModuleType]:
    """Import every module named in `custom_imports`; return the modules imported.

    Raises `ConfigError` for a malformed value, and for modules that cannot be imported (all of them named, the
    first failure chained as the cause) unless `allow_failed_imports` is true, which warns for each and continues.
    """
    problems = [f"{path}: {message}" for path, message in custom_imports_problems(dict(custom_imports))]
    if problems:
        raise ConfigError(problems)
    names = custom_imports["imports"]
    names = [names] if isinstance(names, str) else list(names)
    source = config_file or "the config"
    modules, failures, first_error = [], [], None
    for name in names:
        try:
            modules.append(_import(name, config_file))
        except Exception as e:  # anything the module raises while importing is the user's to see
            message = f"custom_imports: cannot import {name!r} (from {source}): {type(e).__name__}: {e}"
            if custom_imports.get("allow_failed_imports", False):
                warnings.warn(f"{message}; skipped because allow_failed_imports=True", UserWarning, stacklevel=2)
                continue
            failures.append(message)
            first_error = first_error or e
    if failures:
        raise ConfigError(failures) from first_error
    return modules


def _import(name: str, config_file: str | None) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        # Retry only when the module itself is missing, not a module it imports.
        missing_itself = e.name is not None and (name == e.name or name.startswith(e.name + "."))
        if not missing_itself or not _extend_sys_path(config_file):
            raise
    importlib.invalidate_caches()
    return importlib.import_module(name)


def _extend_sys_path(config_file: str | None) -> bool:
    """Append the working directory and the config's directory to `sys.path`; whether either was new."""
    candidates = [os.getcwd()]
    if config_file:
        candidates.append(os.path.dirname(os.path.abspath(config_file)))
    added = False
    for directory in candidates:
        if directory not in sys.path:
            sys.path.append(directory)
            added = True
    return added
