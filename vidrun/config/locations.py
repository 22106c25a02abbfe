"""Where each key of a config file is written: line numbers for `.py` and `.yaml` files, and origins per key path.

Errors name `model.cls_head.type (configs/tsn.py:12)`, so every key path of a loaded config maps to the file and
line that wrote it. Only the files actually loaded are mapped: a `.py` file through the `ast` tree it is executed
from, a YAML file through the node tree it is constructed from, so nothing is parsed twice. JSON keeps no line
information; its keys map to the file alone.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any


def child_items(value: Any) -> Iterator[tuple[Any, Any]]:
    """The (key, child) pairs of a dict, or (index, element) pairs of a plain list or tuple; nothing otherwise."""
    if isinstance(value, dict):
        yield from value.items()
    elif type(value) in (list, tuple):
        yield from enumerate(value)


def join(path: str, key: Any) -> str:
    """`path.key`, or `key` at the top level."""
    return f"{path}.{key}" if path else str(key)


def all_paths(data: dict) -> set[str]:
    """Every dotted key path in `data`, list and tuple indices included."""
    paths: set[str] = set()
    stack = [(join("", key), value) for key, value in data.items()]
    while stack:
        path, value = stack.pop()
        paths.add(path)
        stack.extend((join(path, key), child) for key, child in child_items(value))
    return paths


def key_origins(data: dict, lines: dict[str, int], file: str) -> dict[str, str]:
    """`{key path: "file:line"}` for every path in `data`, which `file` wrote.

    A path without a line of its own (a value computed by an expression, a JSON key) takes the line of the
    nearest enclosing key that has one, or the bare file name.
    """
    origins: dict[str, str] = {}
    stack = [(join("", key), value, file) for key, value in data.items()]
    while stack:
        path, value, inherited = stack.pop()
        origin = f"{file}:{lines[path]}" if path in lines else inherited
        origins[path] = origin
        stack.extend((join(path, key), child, origin) for key, child in child_items(value))
    return origins


# -- Python -------------------------------------------------------------------------------------------------------
def python_key_lines(tree: ast.Module) -> dict[str, int]:
    """Key path → 1-based line, for keys written literally by the top-level assignments of a module.

    Followed: `name = ...` and `name: T = ...` at the top level; inside a value, `dict(k=...)` keywords, `{'k': ...}`
    literals with constant keys, and list or tuple literal elements by index; a bare name used as a value
    (`pipeline=train_pipeline`) takes the lines of that name's earlier top-level assignment.
    """
    named: dict[str, dict[str, int]] = {}
    for statement in tree.body:
        for name, value in _assignments(statement):
            relative = _value_lines(value, named)
            relative[""] = statement.lineno
            named[name] = relative
    return {join(name, sub) if sub else name: line
            for name, relative in named.items() for sub, line in relative.items()}


def _assignments(statement: ast.stmt) -> Iterator[tuple[str, ast.expr]]:
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value:
        yield statement.target.id, statement.value
    if not isinstance(statement, ast.Assign):
        return
    for target in statement.targets:
        if isinstance(target, ast.Name):
            yield target.id, statement.value
        elif (isinstance(target, (ast.Tuple, ast.List)) and isinstance(statement.value, (ast.Tuple, ast.List))
              and len(target.elts) == len(statement.value.elts)):
            yield from ((t.id, v) for t, v in zip(target.elts, statement.value.elts) if isinstance(t, ast.Name))


def _value_lines(node: ast.expr, named: dict[str, dict[str, int]]) -> dict[str, int]:
    """Relative key path → line for the keys written inside the expression `node`."""
    if isinstance(node, ast.Name) and node.id in named:
        return {sub: line for sub, line in named[node.id].items() if sub}
    lines: dict[str, int] = {}
    for key, child, line in _literal_children(node):
        lines[str(key)] = line
        lines.update((join(str(key), sub), sub_line) for sub, sub_line in _value_lines(child, named).items())
    return lines


def _literal_children(node: ast.expr) -> list[tuple[Any, ast.expr, int]]:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        return [(kw.arg, kw.value, kw.lineno) for kw in node.keywords if kw.arg is not None]
    if isinstance(node, ast.Dict):
        return [(key.value, value, key.lineno) for key, value in zip(node.keys, node.values)
                if isinstance(key, ast.Constant)]
    if isinstance(node, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in node.elts):
        return [(index, element, element.lineno) for index, element in enumerate(node.elts)]
    return []


# -- YAML ---------------------------------------------------------------------------------------------------------
def yaml_key_lines(node: yaml.Node | None) -> dict[str, int]:
    """Key path → 1-based line for every mapping key and sequence element under a composed YAML node."""
    import yaml  # PyYAML is imported by the YAML parser that calls this

    lines: dict[str, int] = {}
    stack = [("", node)]
    while stack:
        path, current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            pairs = [(k.value, k, v) for k, v in current.value if isinstance(k, yaml.ScalarNode)]
        elif isinstance(current, yaml.SequenceNode):
            pairs = [(i, v, v) for i, v in enumerate(current.value)]
        else:
            continue
        for key, marked, child in pairs:
            lines[join(path, key)] = marked.start_mark.line + 1
            stack.append((join(path, key), child))
    return lines
