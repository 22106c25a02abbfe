"""Merging a config over its bases, and `_delete_`.

Rules (those of the tutorial's toolbox):
- sibling bases are merged first, and must not share a top-level key;
- then the child merges over them: a dict merges into a base dict recursively; any other value (lists included)
  replaces the base value; a dict over a base value that is not a dict is an error, unless the dict says
  `_delete_=True`, which makes it replace the base value (dict or not) entirely.
`_delete_` is consumed by the merge and never left in a result.
"""
from __future__ import annotations

from typing import Any

from vidrun.config.errors import ConfigError
from vidrun.config.locations import all_paths, child_items, join

DELETE_KEY = "_delete_"


def merge_bases(bases: list[tuple[dict, dict[str, str]]]) -> tuple[dict, dict[str, str]]:
    """The union of sibling bases given as `(data, origins)`, with the union of their origins.

    Raises `ConfigError` listing every top-level key that two bases define, with both origins.
    """
    data: dict = {}
    origins: dict[str, str] = {}
    problems = []
    for base_data, base_origins in bases:
        for key, value in base_data.items():
            if key in data:
                problems.append(f"{key}: defined by two bases, {origins.get(str(key))} and "
                                f"{base_origins.get(str(key))}; a top-level key may come from one base only")
            data[key] = value
        origins.update(base_origins)
    if problems:
        raise ConfigError(problems)
    return data, origins


def merge_child(base: dict, child: dict, base_origins: dict[str, str],
                child_origins: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """`child` merged over `base` by the rules above, and the origins of the result.

    A key keeps the origin of the file whose value survived; the child's win where it wrote the key. Raises
    `ConfigError` listing every dict that cannot merge into its base value.
    """
    problems: list[str] = []
    merged = _merge(base, child, "", problems, (base_origins, child_origins))
    if problems:
        raise ConfigError(problems)
    present = all_paths(merged)
    origins = {path: origin for path, origin in {**base_origins, **child_origins}.items() if path in present}
    return merged, origins


def _merge(base: dict, child: dict, path: str, problems: list[str],
           origins: tuple[dict[str, str], dict[str, str]]) -> dict:
    merged = dict(base)
    for key, value in child.items():
        if key == DELETE_KEY:
            continue
        sub = join(path, key)
        if isinstance(value, dict) and key in base and not value.get(DELETE_KEY, False):
            if isinstance(base[key], dict):
                merged[key] = _merge(base[key], value, sub, problems, origins)
                continue
            problems.append(
                f"{sub} ({origins[1].get(sub, '?')}): a dict cannot be merged into the base value "
                f"{base[key]!r} ({origins[0].get(sub, '?')}), which is a {type(base[key]).__name__}; write "
                f"`{DELETE_KEY}=True` in the dict to replace the base value")
        merged[key] = strip_delete(value)
    return merged


def strip_delete(value: Any) -> Any:
    """`value` with the `_delete_` key removed from every dict inside it (lists and tuples searched too)."""
    if isinstance(value, dict):
        return {key: strip_delete(child) for key, child in value.items() if key != DELETE_KEY}
    if type(value) in (list, tuple):
        return type(value)(strip_delete(child) for _, child in child_items(value))
    return value
