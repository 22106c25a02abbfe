"""Loading a config file with its `_base_` chain: reading, filename variables, references, merging and origins.

For each file, in order: read the text; substitute the filename variables (`{{ fileDirname }}`, ...) as text;
parse it (executing a `.py` file); load its `_base_` files the same way, recursively, and merge them as siblings;
resolve its `{{_base_.x}}` references against those merged bases; merge it over them. The origins (key path →
`file:line`) and the source texts travel along, so the result knows where every key was written.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from vidrun.config.errors import ConfigError
from vidrun.config.formats import format_of, parse
from vidrun.config.locations import key_origins
from vidrun.config.merge import merge_bases, merge_child
from vidrun.config.references import resolve_references

BASE_KEY = "_base_"
_VARIABLE = re.compile(r"\{\{\s*(fileDirname|fileBasenameNoExtension|fileBasename|fileExtname)\s*\}\}")


@dataclass
class Loaded:
    """A merged config: its dict, the origin of every key path, and the source texts of its files (bases first,
    each headed by its path)."""

    data: dict
    origins: dict[str, str]
    texts: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


def load_file(filename: str | os.PathLike, use_predefined_variables: bool = True) -> Loaded:
    """Load `filename` and its `_base_` chain. Paths in origins and errors are `filename` normalised, and base
    paths joined to it, so they read as the user wrote them.

    Raises `FileNotFoundError` for a missing file (naming the file that listed it in `_base_`), `ConfigError` for
    an unsupported format, a cycle of `_base_` files, a bad reference or merge, or a file that fails to parse.
    """
    path = os.path.normpath(os.path.expanduser(os.fspath(filename)))
    return _load_file(path, use_predefined_variables, (), None)


def load_text(text: str, file_format: str, path: str, use_predefined_variables: bool = True,
              stack: tuple[tuple[str, str], ...] = ()) -> Loaded:
    """Load a config whose text is `text`, as if read from `path` (which places its `_base_` files)."""
    source = substitute_file_variables(text, path) if use_predefined_variables else text
    parsed = parse(source, file_format, path)
    bases = [_load_file(base, use_predefined_variables, stack, path)
             for base in _base_files(parsed.data.pop(BASE_KEY, []), path)]
    base_data, base_origins = merge_bases([(base.data, base.origins) for base in bases])
    data, problems = resolve_references(parsed.data, base_data if bases else None, path, parsed.lines,
                                        parsed.placeholders)
    if problems:
        raise ConfigError(problems)
    merged, origins = merge_child(base_data, data, base_origins, key_origins(data, parsed.lines, path))
    texts = [section for base in bases for section in base.texts] + [f"{path}\n{text}"]
    return Loaded(merged, origins, texts)


def substitute_file_variables(text: str, path: str) -> str:
    """`text` with `{{ fileDirname }}`, `{{ fileBasename }}`, `{{ fileBasenameNoExtension }}` and
    `{{ fileExtname }}` replaced by those parts of the absolute `path` (with `/` separators)."""
    absolute = os.path.abspath(path)
    basename = os.path.basename(absolute)
    values = {"fileDirname": os.path.dirname(absolute), "fileBasename": basename,
              "fileBasenameNoExtension": os.path.splitext(basename)[0],
              "fileExtname": os.path.splitext(basename)[1]}
    return _VARIABLE.sub(lambda match: values[match.group(1)].replace("\\", "/"), text)


def _load_file(path: str, use_predefined_variables: bool, stack: tuple[tuple[str, str], ...],
               including: str | None) -> Loaded:
    listed = f" (listed in _base_ of {including})" if including else ""
    try:
        file_format = format_of(path)
    except ConfigError as e:
        raise ConfigError(f"{e}{listed}") from e
    real = os.path.realpath(path)
    if any(real == seen for seen, _ in stack):
        chain = " -> ".join([shown for _, shown in stack] + [path])
        raise ConfigError(f"{path}: _base_ files include each other in a cycle: {chain}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"config file not found: {path}{listed}")
    with open(path, encoding="utf-8") as file:
        text = file.read()
    return load_text(text, file_format, path, use_predefined_variables, stack + ((real, path),))


def _base_files(entry: object, path: str) -> list[str]:
    """The `_base_` entry of the file at `path` as paths relative to the working directory."""
    entries = [entry] if isinstance(entry, str) else entry
    if not isinstance(entries, (list, tuple)) or not all(isinstance(e, str) for e in entries):
        raise ConfigError(f"{BASE_KEY} ({path}): must be a path or a list of paths, got {entry!r}")
    directory = os.path.dirname(path)
    return [os.path.normpath(os.path.join(directory, os.path.expanduser(e))) for e in entries]
