"""`{{_base_.a.b}}`: a value taken from the merged bases of the file that writes it.

In a `.py` config the reference is written without quotes (`epochs = {{_base_.total_epochs}}`), which is not valid
Python; before the file is executed each reference is replaced by a unique placeholder string literal (or, inside
a string literal, by the bare placeholder text), and after loading every value equal to a placeholder is replaced
by the referenced value. In `.json` and `.yaml` configs a reference is a whole string value, `"{{_base_.x}}"`.
Either way the reference must be a whole value: text around it (`'{{_base_.name}}_v2'`) is an error.
"""
from __future__ import annotations

import copy
import io
import re
import secrets
import tokenize
from typing import Any

from vidrun.config.errors import did_you_mean
from vidrun.config.locations import child_items, join

REFERENCE = re.compile(r"\{\{[ \t]*_base_\.([\w.]+?)[ \t]*\}\}")


class _Unresolved(Exception):
    """A reference that cannot be resolved; its message says why."""


def protect_python_references(source: str) -> tuple[str, dict[str, tuple[str, int]]]:
    """`source` with each reference replaced by a placeholder, and `{placeholder: (referenced path, line)}`.

    Line numbers do not change, so tracebacks and line maps still match the file on disk.
    """
    if REFERENCE.search(source) is None:
        return source, {}
    token = secrets.token_hex(4)
    spans = _string_spans(source)
    pieces, placeholders, last = [], {}, 0
    for number, match in enumerate(REFERENCE.finditer(source)):
        placeholder = f"__vidrun_base_reference_{token}_{number}__"
        placeholders[placeholder] = (match.group(1), source.count("\n", 0, match.start()) + 1)
        inside_string = any(start <= match.start() < end for start, end in spans)
        pieces += [source[last:match.start()], placeholder if inside_string else repr(placeholder)]
        last = match.end()
    pieces.append(source[last:])
    return "".join(pieces), placeholders


def _string_spans(source: str) -> list[tuple[int, int]]:
    """Character offsets (start, end) of the string literals in `source`; empty when it does not tokenize."""
    line_starts = [0]
    for line in source.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    spans = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.STRING:
                spans.append((line_starts[tok.start[0] - 1] + tok.start[1], line_starts[tok.end[0] - 1] + tok.end[1]))
    except (tokenize.TokenError, SyntaxError):
        return []  # executing the file reports the syntax error with its line
    return spans


def resolve_references(data: dict, bases: dict | None, file: str, lines: dict[str, int],
                       placeholders: dict[str, tuple[str, int]] | None) -> tuple[dict, list[str]]:
    """`data` with every reference replaced by a deep copy of the value it names in `bases`, and the problems.

    `placeholders` comes from `protect_python_references` for a `.py` file and is `None` for JSON and YAML, whose
    references are whole strings. `bases` is `None` when the file has no `_base_`. `lines` (key path → line)
    locates references in problems where the placeholder does not carry its own line.
    """
    resolver = _Resolver(bases, file, lines, placeholders)
    resolved = {key: resolver.resolve(value, join("", key)) for key, value in data.items()}
    return resolved, resolver.problems


class _Resolver:
    def __init__(self, bases: dict | None, file: str, lines: dict[str, int],
                 placeholders: dict[str, tuple[str, int]] | None):
        self.bases, self.file, self.lines, self.placeholders = bases, file, lines, placeholders
        self.problems: list[str] = []

    def resolve(self, value: Any, path: str) -> Any:
        if isinstance(value, str):
            return self.resolve_string(value, path)
        if isinstance(value, dict):
            return {key: self.resolve(child, join(path, key)) for key, child in value.items()}
        if type(value) in (list, tuple):
            return type(value)(self.resolve(child, join(path, key)) for key, child in child_items(value))
        return value

    def resolve_string(self, text: str, path: str) -> Any:
        found = _find_reference(text, self.placeholders)
        if found is None:
            return text
        reference, line = found[0], found[1] or self.lines.get(path)
        location = f"{path} ({self.file}:{line})" if line else f"{path} ({self.file})"
        written = "{{_base_.%s}}" % reference
        if not found[2]:
            self.problems.append(f"{location}: {written} must be a whole value, not part of a longer string")
        elif self.bases is None:
            self.problems.append(f"{location}: {written} refers to the bases, but {self.file} has no _base_")
        else:
            try:
                return copy.deepcopy(_lookup(self.bases, reference))
            except _Unresolved as e:
                self.problems.append(f"{location}: {written} cannot be resolved: {e}")
        return text


def _find_reference(text: str, placeholders: dict[str, tuple[str, int]] | None) -> tuple[str, int, bool] | None:
    """(referenced path, line or 0, whether the reference is the whole string) for a string holding one."""
    if placeholders is None:
        match = REFERENCE.search(text)
        return None if match is None else (match.group(1), 0, match.group(0) == text)
    if text in placeholders:
        return (*placeholders[text], True)
    for placeholder, (reference, line) in placeholders.items():
        if placeholder in text:
            return reference, line, False
    return None


def _lookup(root: dict, dotted: str) -> Any:
    """The value at `dotted` (`a.b`, `a.0.b` with list indices) in `root`; raises `_Unresolved` saying why not."""
    node, walked = root, ""
    for part in dotted.split("."):
        if isinstance(node, dict):
            key = part if part in node else int(part) if part.isdigit() and int(part) in node else None
            if key is None:
                hint = did_you_mean(part, [k for k in node if isinstance(k, str)])
                raise _Unresolved(f"the merged bases have no key {join(walked, part)!r}{hint}")
            node = node[key]
        elif type(node) in (list, tuple) and part.isdigit():
            if int(part) >= len(node):
                raise _Unresolved(f"index {part} is out of range: {walked} has {len(node)} items")
            node = node[int(part)]
        else:
            raise _Unresolved(f"{walked or '_base_'} is a {type(node).__name__}, it has no key {part!r}")
        walked = join(walked, part)
    return node
