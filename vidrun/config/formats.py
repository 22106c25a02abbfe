"""Turning the text of one config file into a dict: `.py` (executed), `.json`, `.yaml`/`.yml`.

Each parser also returns where the keys were written (key path → line) and, for Python, the placeholders that
stand for `{{_base_.x}}` references (see `references`). `_base_` is left in the dict for the loader to take.
"""
from __future__ import annotations

import ast
import json
import os
import traceback
import types
from dataclasses import dataclass, field

from vidrun.config.errors import ConfigError
from vidrun.config.locations import python_key_lines, yaml_key_lines
from vidrun.config.references import protect_python_references

FORMATS = {".py": "py", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}


@dataclass
class Parsed:
    """One file's dict, its key lines, and for `.py` its reference placeholders (`None` otherwise)."""

    data: dict
    lines: dict[str, int] = field(default_factory=dict)
    placeholders: dict[str, tuple[str, int]] | None = None


def format_of(filename: str) -> str:
    """`'py'`, `'json'` or `'yaml'` from the file's extension; `ConfigError` naming the file for anything else."""
    extension = os.path.splitext(filename)[1].lower()
    if extension not in FORMATS:
        raise ConfigError(f"{filename}: unsupported config format {extension or '(no extension)'!r}; "
                          f"use one of {', '.join(FORMATS)}")
    return FORMATS[extension]


def parse(text: str, file_format: str, filename: str) -> Parsed:
    """The dict written by `text`, a config in `file_format`; `ConfigError` naming `filename` and the line."""
    parser = {"py": parse_python, "json": parse_json, "yaml": parse_yaml}[file_format]
    return parser(text, filename)


def parse_python(text: str, filename: str) -> Parsed:
    """Execute `text` as a module compiled under `filename`; keep its globals except dunder names, modules,
    functions and classes. Syntax errors and exceptions become `ConfigError`s naming the file and line."""
    source, placeholders = protect_python_references(text)
    try:
        tree = ast.parse(source, filename)
        code = compile(tree, filename, "exec")
    except SyntaxError as e:
        raise ConfigError(f"{filename}:{e.lineno}: invalid Python: {e.msg}") from e
    namespace = {"__name__": "__vidrun_config__"}
    if os.path.isfile(filename):
        namespace["__file__"] = os.path.abspath(filename)
    try:
        exec(code, namespace)  # noqa: S102 - executing the user's config is what a .py config means
    except Exception as e:
        line = _failing_line(e, filename)
        raise ConfigError(f"{filename}{f':{line}' if line else ''}: {type(e).__name__} while executing "
                          f"the config: {e}") from e
    data = {name: value for name, value in namespace.items() if not _dropped(name, value)}
    return Parsed(data, python_key_lines(tree), placeholders)


def _dropped(name: str, value: object) -> bool:
    return name.startswith("__") or isinstance(
        value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type))


def _failing_line(error: Exception, filename: str) -> int | None:
    """The last line of `filename` in the traceback of `error`, the line of the config that failed."""
    lines = [line for frame, line in traceback.walk_tb(error.__traceback__)
             if frame.f_code.co_filename == filename]
    return lines[-1] if lines else None


def parse_json(text: str, filename: str) -> Parsed:
    """The object in a JSON file; its keys have no line numbers."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"{filename}:{e.lineno}: invalid JSON: {e.msg}") from e
    return Parsed(_mapping(data, filename))


def parse_yaml(text: str, filename: str) -> Parsed:
    """The mapping in a YAML file (safe loading), with the line of every key from the same node tree."""
    import yaml  # only here: PyYAML is 25 ms that Python configs never need

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = {} if node is None else loader.construct_document(node)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}" if mark is not None else filename
        raise ConfigError(f"{where}: invalid YAML: {getattr(e, 'problem', None) or e}") from e
    finally:
        loader.dispose()
    return Parsed(_mapping(data, filename), yaml_key_lines(node))


def _mapping(data: object, filename: str) -> dict:
    if not isinstance(data, dict):
        raise ConfigError(f"{filename}: a config must be a mapping of keys to values, not a {type(data).__name__}")
    return data
