"""`Config`: a loaded config file, with attribute access, `--cfg-options` merging and dumping.

`Config.fromfile` is the whole loading pipeline: read the file and its `_base_` chain (`loader`), check the
top-level keys (`keys`), import `custom_imports` (`custom_imports`). The data lives in a root `ConfigDict` whose
nested dicts know their key paths and where each key was written; `Config` delegates attribute and item access,
and any other dict method (`get`, `keys`, `items`, `values`, `update`, `pop`, ...), to it.
"""
from __future__ import annotations

import copy
import os
from collections.abc import Iterator, Mapping
from typing import Any

from vidrun.config.config_dict import ConfigDict
from vidrun.config.custom_imports import run_custom_imports
from vidrun.config.errors import ConfigError
from vidrun.config.formats import FORMATS, format_of
from vidrun.config.keys import validate_top_level
from vidrun.config.loader import Loaded, load_file, load_text
from vidrun.config.options import merge_options
from vidrun.config.pretty import format_as, format_python


class Config:
    """A config: `cfg.model.backbone.depth`, `cfg['model']`, `cfg.get('seed')`, `'fp16' in cfg`, `cfg.x = 1`.

    `filename` is the file it was loaded from (as given), `text` the source of that file and its bases (bases
    first, each headed by its path), `pretty_text` Python source that loads back to an equal dict.
    """

    def __init__(self, cfg_dict: Mapping | None = None, filename: str | os.PathLike | None = None,
                 text: str | None = None):
        if cfg_dict is None:
            cfg_dict = {}
        if not isinstance(cfg_dict, dict):
            raise TypeError(f"cfg_dict must be a dict, got {type(cfg_dict).__name__}")
        # A root ConfigDict is used as is, keeping the origins of its keys; anything else is wrapped anew.
        root = cfg_dict if isinstance(cfg_dict, ConfigDict) and not cfg_dict.key_path else ConfigDict(cfg_dict)
        filename = None if filename is None else os.fspath(filename)
        if text is None and filename is not None and os.path.isfile(filename):
            with open(filename, encoding="utf-8") as file:
                text = file.read()
        object.__setattr__(self, "_cfg_dict", root)
        object.__setattr__(self, "_filename", filename)
        object.__setattr__(self, "_text", text or "")

    # -- loading ------------------------------------------------------------------------------------------------
    @staticmethod
    def fromfile(filename: str | os.PathLike, use_predefined_variables: bool = True,
                 import_custom_modules: bool = True) -> Config:
        """Load a `.py`, `.json` or `.yaml`/`.yml` config with its `_base_` chain, check its top-level keys, and
        import its `custom_imports`.

        Raises `FileNotFoundError` for a missing file and `ConfigError` for every other problem, each naming the
        key path and file (and line) involved; problems found in one pass are raised together.
        """
        loaded = load_file(filename, use_predefined_variables)
        return Config._checked(loaded, os.fspath(filename), import_custom_modules)

    @staticmethod
    def fromstring(text: str, file_format: str) -> Config:
        """A config from the text of a `'.py'`, `'.json'` or `'.yaml'` file (`_base_` paths are relative to the
        working directory; filename variables are not substituted: there is no file)."""
        extension = file_format if file_format.startswith(".") else f".{file_format}"
        loaded = load_text(text, format_of(f"<string>{extension}"), "<string>", use_predefined_variables=False)
        return Config._checked(loaded, None, True)

    @staticmethod
    def _checked(loaded: Loaded, filename: str | None, import_custom_modules: bool) -> Config:
        cfg = Config(ConfigDict(loaded.data, origins=loaded.origins), filename=filename, text=loaded.text)
        problems = validate_top_level(cfg)
        if problems:
            raise ConfigError(problems)
        if import_custom_modules and cfg.get("custom_imports") is not None:
            run_custom_imports(cfg["custom_imports"], filename)
        return cfg

    # -- changing -----------------------------------------------------------------------------------------------
    def merge_from_dict(self, options: Mapping[str, Any], allow_list_keys: bool = True) -> None:
        """Set each dotted-path option (`{'optimizer.lr': 0.1, 'data.train.pipeline.0.type': 'X'}`); see
        `vidrun.config.options`. All-or-nothing: on any bad path nothing changes and one `ConfigError` lists them
        all. The top-level keys touched are checked like those of a loaded file."""
        merged = merge_options(self._cfg_dict, options, allow_list_keys)
        problems = validate_top_level(merged, dict.fromkeys(str(key).split(".")[0] for key in options))
        if problems:
            raise ConfigError(problems)
        object.__setattr__(self, "_cfg_dict", merged)

    # -- writing ------------------------------------------------------------------------------------------------
    @property
    def pretty_text(self) -> str:
        """Python source that, saved as a `.py` file and loaded with `fromfile`, gives an equal dict."""
        return format_python(self._cfg_dict)

    def dump(self, file: str | os.PathLike | None = None) -> str | None:
        """Without `file`, return the config as text in the format of the file it came from (`pretty_text` for
        `.py` or no file). With `file`, write it in the format of that file's extension (`.py`, `.json`,
        `.yaml`/`.yml`; tuples become lists in JSON and YAML) and return `None`."""
        if file is None:
            source = self._filename or ""
            file_format = FORMATS.get(os.path.splitext(source)[1].lower(), "py")
            return format_as(self._cfg_dict, file_format)
        text = format_as(self._cfg_dict, format_of(os.fspath(file)))
        with open(file, "w", encoding="utf-8") as handle:
            handle.write(text)
        return None

    # -- reading ------------------------------------------------------------------------------------------------
    @property
    def filename(self) -> str | None:
        return self._filename

    @property
    def text(self) -> str:
        return self._text

    def to_dict(self) -> dict:
        """Plain nested dicts, lists and tuples."""
        return self._cfg_dict.to_dict()

    def copy(self) -> Config:
        """An independent (deep) copy: changing it never changes this config."""
        return copy.deepcopy(self)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_cfg_dict":  # unpickling looks these up before the state is set
            raise AttributeError(name)
        return getattr(self._cfg_dict, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._cfg_dict[name] = value

    def __delattr__(self, name: str) -> None:
        delattr(self._cfg_dict, name)

    def __getitem__(self, key: Any) -> Any:
        return self._cfg_dict[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._cfg_dict[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._cfg_dict[key]

    def __contains__(self, key: object) -> bool:
        return key in self._cfg_dict

    def __len__(self) -> int:
        return len(self._cfg_dict)

    def __iter__(self) -> Iterator:
        return iter(self._cfg_dict)

    def __getstate__(self) -> dict:
        return {"cfg_dict": self._cfg_dict, "filename": self._filename, "text": self._text}

    def __setstate__(self, state: dict) -> None:
        for name in ("cfg_dict", "filename", "text"):
            object.__setattr__(self, f"_{name}", state[name])

    def __repr__(self) -> str:
        return f"Config (path: {self._filename}): {self.to_dict()!r}"
