"""`--cfg-options key.path=value ...`: parsing the command line, and merging dotted-path options into a config.

Values parse as Python-ish literals: `1` int, `1.5`/`1e-3` float, `true`/`False` bool, `none`/`None` None,
`[a,b]` list and `(a,b)` tuple (nested, commas inside brackets and quotes respected), `a,b,c` list, a quoted
`'1'` stays the string `1`, anything else is a string.

Paths: a numeric component indexes a list (`data.train.pipeline.0.type=X`). New keys are allowed (intermediate
dicts are created, also in place of an unset `None`), but a component that is a near miss of an existing key at its
level (`optimizer.lrr` where `optimizer.lr` exists) is an error, because it is almost always a typo that would
otherwise add a setting nothing reads.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from vidrun.config.config_dict import ConfigDict
from vidrun.config.errors import ConfigError, close_matches
from vidrun.config.merge import DELETE_KEY, strip_delete

OPTION_ORIGIN = "--cfg-options"
NEAR_MISS_CUTOFF = 0.8
_PAIRS = {"[": "]", "(": ")"}


# -- parsing ------------------------------------------------------------------------------------------------------
def parse_cfg_options(items: list[str]) -> dict[str, Any]:
    """`{'a.b': value}` from `['a.b=value', ...]`; one `ConfigError` naming every malformed item."""
    options: dict[str, Any] = {}
    problems = []
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            problems.append(f"--cfg-options {item!r}: expected key=value, e.g. optimizer.lr=0.01")
            continue
        try:
            options[key.strip()] = parse_value(raw)
        except ValueError as e:
            problems.append(f"--cfg-options {item!r}: {e}")
    if problems:
        raise ConfigError(problems)
    return options


def parse_value(text: str) -> Any:
    """The value written as `text` on the command line (see the module docstring); `ValueError` when brackets
    or quotes do not balance."""
    text = text.strip()
    for opening, closing in _PAIRS.items():
        if text.startswith(opening) and text.endswith(closing) and _closes_at_end(text):
            items = [parse_value(part) for part in _split(text[1:-1])]
            return items if opening == "[" else tuple(items)
    parts = _split(text)
    if len(parts) > 1 or text.endswith(","):
        return [parse_value(part) for part in parts]
    return _scalar(text)


def _scalar(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if text.lower() == "none":
        return None
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def _scan(text: str) -> list[tuple[int, str, int]]:
    """(index, character, bracket depth after it) for each character outside quotes; `ValueError` when
    unbalanced."""
    depth, quote, scanned = 0, None, []
    for index, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
            continue
        if char in "'\"":
            quote = char
        depth += (char in _PAIRS) - (char in _PAIRS.values())
        if depth < 0:
            raise ValueError(f"unbalanced {char!r} at position {index + 1}")
        scanned.append((index, char, depth))
    if depth or quote:
        raise ValueError("unbalanced brackets or quotes")
    return scanned


def _closes_at_end(text: str) -> bool:
    """Whether the bracket opening `text` is closed by its last character (`[1],[2]` is not)."""
    depths = [depth for _, _, depth in _scan(text)]
    return depths[-1] == 0 and 0 not in depths[:-1]


def _split(text: str) -> list[str]:
    """`text` split at commas outside brackets and quotes; an empty last part (`1,`) is dropped."""
    cuts = [index for index, char, depth in _scan(text) if char == "," and depth == 0]
    parts = [text[start + 1:end] for start, end in zip([-1] + cuts, cuts + [len(text)])]
    return parts[:-1] if parts and not parts[-1].strip() else parts


# -- merging ------------------------------------------------------------------------------------------------------
def merge_options(root: ConfigDict, options: Mapping[str, Any], allow_list_keys: bool = True) -> ConfigDict:
    """A copy of `root` with each dotted-path option set (a dict value merges into an existing dict); every key
    set is recorded as coming from `--cfg-options`. `root` is unchanged. Raises one `ConfigError` listing every
    bad path: a near-miss key, an index out of range, a list index when `allow_list_keys` is false, or a path
    through a value that is neither dict nor list."""
    merged = copy.deepcopy(root)
    setter = _Setter(allow_list_keys)
    for key, value in options.items():
        setter.put(merged, str(key).split("."), value, str(key), 0)
    if setter.problems:
        raise ConfigError(setter.problems)
    for path in setter.written:
        merged.set_origin(path, OPTION_ORIGIN)
    return merged


class _Setter:
    def __init__(self, allow_list_keys: bool):
        self.allow_list_keys = allow_list_keys
        self.problems: list[str] = []
        self.written: list[str] = []

    def put(self, node: Any, parts: list[str], value: Any, option: str, depth: int) -> Any:
        """Set `parts[depth:]` under `node` to `value`; return `node`, or a new list/tuple replacing it."""
        done = ".".join(parts[:depth + 1])
        if isinstance(node, dict):
            key = self.dict_key(node, parts[depth], option)
            if key is not None:
                self.put_in_dict(node, key, parts, value, option, depth)
            return node
        index = self.list_index(node, parts[depth], option, done) if type(node) in (list, tuple) else None
        if index is None:
            if type(node) not in (list, tuple):
                self.problems.append(f"{option}: {'.'.join(parts[:depth]) or 'the config'} is a "
                                     f"{type(node).__name__}, not a dict or list")
            return node
        items = list(node)
        items[index] = self.child_value(items[index], parts, value, option, depth, done)
        return type(node)(items)

    def put_in_dict(self, node: dict, key: Any, parts: list[str], value: Any, option: str, depth: int) -> None:
        if depth + 1 < len(parts) and node.get(key) is None:
            node[key] = {}  # a new intermediate dict, also in place of an unset None
        result = self.child_value(node.get(key), parts, value, option, depth, ".".join(parts[:depth + 1]))
        if result is not node.get(key) or key not in node:
            node[key] = result

    def child_value(self, current: Any, parts: list[str], value: Any, option: str, depth: int, done: str) -> Any:
        """The new value of the child at `done`: `current` updated further down, merged with or replaced by
        `value`."""
        if depth + 1 < len(parts):
            return self.put(current, parts, value, option, depth + 1)
        if isinstance(value, dict) and isinstance(current, dict) and not value.get(DELETE_KEY, False):
            for sub_key, sub_value in value.items():
                if sub_key != DELETE_KEY:
                    self.put(current, [*parts, str(sub_key)], sub_value, f"{option}.{sub_key}", depth + 1)
            return current
        self.written.append(done)
        return strip_delete(value)

    def dict_key(self, node: dict, part: str, option: str) -> Any:
        """The key of `node` that `part` names (a new key is `part` itself); `None` after recording a problem
        when `part` is a near miss of an existing key."""
        if part in node:
            return part
        if part.isdigit() and int(part) in node:
            return int(part)
        near = [m for m in close_matches(part, [str(k) for k in node], cutoff=NEAR_MISS_CUTOFF) if m != part]
        if not near:
            return part
        parent = node.where() if isinstance(node, ConfigDict) and node.key_path else "the top level"
        self.problems.append(f"{option}: no key {part!r} in {parent}; did you mean "
                             + " or ".join(repr(n) for n in near) + "? (a new key must not be a near miss "
                             "of an existing one)")
        return None

    def list_index(self, node: list | tuple, part: str, option: str, done: str) -> int | None:
        if not self.allow_list_keys:
            self.problems.append(f"{option}: {done.rsplit('.', 1)[0]} is a list; indexing it needs "
                                 "allow_list_keys=True")
        elif not part.isdigit():
            self.problems.append(f"{option}: {done.rsplit('.', 1)[0]} is a list; {part!r} is not an index")
        elif int(part) >= len(node):
            self.problems.append(f"{option}: index {part} is out of range; {done.rsplit('.', 1)[0]} has "
                                 f"{len(node)} items")
        else:
            return int(part)
        return None
