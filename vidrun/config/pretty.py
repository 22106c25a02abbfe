"""Writing a config dict as Python source that loads back to an equal dict (`Config.pretty_text`, `dump`), or
as JSON or YAML.

One `name = value` line per top-level key. A dict is written `dict(k=v)` when all its keys are identifiers that are
not Python keywords, and as a `{'k': v}` literal otherwise; tuples stay tuples (`(1,)`), floats are written with
`repr`, the shortest text that reads back to the same float (`1e-05`), and infinities as `1e999`. A value that fits
in `WIDTH` columns stays on one line; a longer one opens its brackets over indented lines. Values that have no
literal form (objects, classes) are an error naming their key path: the text would not load back.
"""
from __future__ import annotations

import json
import keyword
import math
from collections.abc import Mapping
from typing import Any

from vidrun.config.errors import ConfigError
from vidrun.config.locations import join

WIDTH = 100
INDENT = 4


def format_python(data: Mapping) -> str:
    """Python source assigning each top-level key of `data`; `ConfigError` listing every key path that cannot be
    written (a top-level key that is not an identifier, a value without a literal form)."""
    writer = _Writer(use_dict_call="dict" not in data)  # a top-level `dict = ...` would shadow the builtin
    lines = []
    for key, value in data.items():
        if not _is_identifier(key):
            writer.problems.append(f"{key!r}: a top-level key must be a Python identifier to be written as .py")
            continue
        lines.append(f"{key} = {writer.value(value, str(key), 0, len(key) + 3)}")
    if writer.problems:
        raise ConfigError(list(dict.fromkeys(writer.problems)))  # a value is visited once per enclosing level
    return "\n".join(lines) + "\n" if lines else ""


def _is_container(value: Any) -> bool:
    return isinstance(value, dict) or type(value) in (list, tuple)


def _is_identifier(key: Any) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key) and key != "__debug__"


class _Writer:
    def __init__(self, use_dict_call: bool):
        self.use_dict_call = use_dict_call
        self.problems: list[str] = []

    def value(self, value: Any, path: str, indent: int, used: int) -> str:
        """`value` as source starting at column `indent + used`, continuation lines indented from `indent`."""
        one_line = self.inline(value, path)
        if indent + used + len(one_line) <= WIDTH or not (_is_container(value) and value):
            return one_line
        opening, closing = self.brackets(value)
        pad = " " * (indent + INDENT)
        if not isinstance(value, dict) and not any(_is_container(item) for item in value):
            body = self.filled(value, path, len(pad))  # a long list of numbers: as many a line as fit
        else:
            body = "".join(f"{pad}{entry},\n" for entry in self.entries(value, path, indent + INDENT, inline=False))
        return f"{opening}\n{body}{' ' * indent}{closing}"

    def filled(self, items: list | tuple, path: str, indent: int) -> str:
        lines = [""]
        for index, item in enumerate(items):
            piece = self.scalar(item, join(path, index)) + ","
            if lines[-1] and indent + len(lines[-1]) + 1 + len(piece) > WIDTH:
                lines.append("")
            lines[-1] = f"{lines[-1]} {piece}" if lines[-1] else piece
        return "".join(f"{' ' * indent}{line}\n" for line in lines)

    def inline(self, value: Any, path: str) -> str:
        if not _is_container(value):
            return self.scalar(value, path)
        entries = self.entries(value, path, 0, inline=True)
        opening, closing = self.brackets(value)
        if isinstance(value, tuple) and len(entries) == 1:
            return f"{opening}{entries[0]},{closing}"
        return f"{opening}{', '.join(entries)}{closing}"

    def entries(self, value: Any, path: str, indent: int, inline: bool) -> list[str]:
        """The source of each item of a container (`k=v`, `'k': v` or `v`); empty for anything else."""
        def form(item: Any, sub: str, prefix: str) -> str:
            text = self.inline(item, sub) if inline else self.value(item, sub, indent, len(prefix) + 1)
            return prefix + text

        if isinstance(value, dict):
            if self.calls_dict(value):
                return [form(v, join(path, k), f"{k}=") for k, v in value.items()]
            return [form(v, join(path, k), f"{self.scalar(k, join(path, k))}: ") for k, v in value.items()]
        if type(value) in (list, tuple):
            return [form(v, join(path, i), "") for i, v in enumerate(value)]
        return []

    def brackets(self, value: Any) -> tuple[str, str]:
        if isinstance(value, dict):
            return ("dict(", ")") if self.calls_dict(value) else ("{", "}")
        return ("[", "]") if isinstance(value, list) else ("(", ")")

    def calls_dict(self, value: dict) -> bool:
        return self.use_dict_call and all(_is_identifier(key) for key in value)

    def scalar(self, value: Any, path: str) -> str:
        if value is None or type(value) in (bool, int, str, bytes):
            return repr(value)
        if type(value) is float:
            if math.isnan(value):
                return "(1e999 - 1e999)"
            return repr(value) if math.isfinite(value) else ("1e999" if value > 0 else "-1e999")
        self.problems.append(f"{path}: {type(value).__name__} {value!r} has no literal form and cannot be written "
                             "as a .py config")
        return "None"


def format_as(data: Mapping, file_format: str) -> str:
    """`data` as the text of a `'py'`, `'json'` or `'yaml'` config. JSON and YAML have no tuples: tuples are
    written as lists there (and load back as lists). `ConfigError` for values the format cannot hold."""
    if file_format == "py":
        return format_python(data)
    import yaml  # only here: PyYAML is 25 ms that Python configs never need

    plain = _with_lists(data)
    try:
        if file_format == "json":
            return json.dumps(plain, indent=4) + "\n"
        return yaml.safe_dump(plain, sort_keys=False, default_flow_style=False, allow_unicode=True)
    except (TypeError, ValueError, yaml.YAMLError) as e:
        raise ConfigError(f"the config cannot be written as {file_format}: {e}") from e


def _with_lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _with_lists(child) for key, child in value.items()}
    if type(value) in (list, tuple):
        return [_with_lists(child) for child in value]
    return value
