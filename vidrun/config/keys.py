"""The top-level keys the toolbox reads, and the checks run on a config's top level after merging.

A config's top level holds two kinds of names: keys the toolbox reads (`model`, `lr_config`, ...) and the config's
own helper variables (`img_norm_cfg`, `train_pipeline`, `num_classes`, ...). The tutorial's toolbox ignores any name
it does not read, so a typo (`lr_confg`) silently drops a setting. vidrun flags an unknown name that is a near miss
of a known key, and still allows helper variables: with a similarity cutoff of 0.85 every realistic helper name
(the closest, `checkpoint` against `checkpoint_config`, scores 0.74) passes, while one-letter typos (`lr_confg` 0.94,
`total_epoch` 0.96) are caught. Names starting with `_` are private helpers and never checked.

The value checks cover only keys where a wrong type is certainly a mistake; components' own arguments are checked
where they are built.
"""
from __future__ import annotations

import signal
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from vidrun.config.errors import close_matches, did_you_mean

KNOWN_KEYS = (
    "model", "data", "optimizer", "optimizer_config", "lr_config", "momentum_config", "total_epochs", "runner",
    "workflow", "checkpoint_config", "log_config", "evaluation", "custom_hooks", "custom_imports", "work_dir",
    "load_from", "resume_from", "auto_resume", "dist_params", "log_level", "seed", "fp16",
    "find_unused_parameters", "sync_bn", "opencv_num_threads", "mp_start_method", "train_cfg", "test_cfg",
    "gpu_ids", "module_hooks", "precise_bn", "omnisource", "multigrid", "output_config", "eval_config",
    "preemption",
    "channels_last", "compile",  # vidrun's opt-in speed settings (docs/extra-settings.md)
)
NEAR_MISS_CUTOFF = 0.85
CUSTOM_IMPORTS_KEYS = ("imports", "allow_failed_imports")
_DICT_OR_NONE = ("model", "data", "optimizer", "optimizer_config", "lr_config", "momentum_config", "runner",
                 "checkpoint_config", "log_config", "evaluation", "dist_params", "fp16", "preemption")
_STR_OR_NONE = ("work_dir", "load_from", "resume_from")


def validate_top_level(cfg: Mapping, keys: Iterable[str] | None = None) -> list[str]:
    """Every problem with the top-level keys of `cfg` (a `Config`, `ConfigDict` or dict), one string each, naming
    the key path and where it was written. `keys` limits the check to those top-level keys."""
    where: Callable[[str], str] = getattr(cfg, "where", None) or str
    names = list(cfg) if keys is None else [k for k in keys if k in cfg]
    problems = []
    for name in names:
        if not isinstance(name, str) or name.startswith("_"):
            continue
        if name in KNOWN_KEYS:
            problems += [f"{where(path)}: {message}" for path, message in _value_problems(name, cfg[name])]
            continue
        near = close_matches(name, KNOWN_KEYS, cutoff=NEAR_MISS_CUTOFF)
        if near:
            problems.append(f"{where(name)}: unknown top-level key; did you mean "
                            + " or ".join(repr(n) for n in near) + "?")
    return problems


def _value_problems(name: str, value: Any) -> list[tuple[str, str]]:
    """(key path, message) for each certain mistake in the value of the known key `name`."""
    if name in _DICT_OR_NONE and value is not None and not isinstance(value, dict):
        return [(name, f"must be a dict (or None), got {type(value).__name__} {value!r}")]
    if name in _STR_OR_NONE and value is not None and not isinstance(value, str):
        return [(name, f"must be a path string (or None), got {type(value).__name__} {value!r}")]
    if name == "total_epochs" and not (_is_int(value) and value > 0):
        return [(name, f"must be a positive int, got {value!r}")]
    if name == "seed" and value is not None and not _is_int(value):
        return [(name, f"must be an int (or None), got {value!r}")]
    if name == "channels_last" and not isinstance(value, bool):
        return [(name, f"must be True or False, got {value!r}")]
    if name == "compile" and not (value is None or isinstance(value, (bool, dict))):
        return [(name, f"must be True, False, None or a dict of torch.compile arguments, got {value!r}")]
    checker = {"workflow": _workflow, "custom_hooks": _custom_hooks, "custom_imports": custom_imports_problems,
               "preemption": _preemption}
    return checker[name](value) if name in checker else []


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _workflow(value: Any) -> list[tuple[str, str]]:
    pairs = isinstance(value, (list, tuple)) and len(value) > 0 and all(
        isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[0], str) and _is_int(p[1]) for p in value)
    if pairs:
        return []
    return [("workflow", f"must be a non-empty list of (mode, count) pairs such as [('train', 1), ('val', 1)], "
                         f"got {value!r}")]


def _custom_hooks(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, (list, tuple)):
        return [("custom_hooks", f"must be a list of hook dicts such as [dict(type='MyHook')], got {value!r}")]
    return [(f"custom_hooks.{i}", f"must be a dict with a 'type' key, got {hook!r}")
            for i, hook in enumerate(value) if not (isinstance(hook, dict) and "type" in hook)]


def _preemption(value: Any) -> list[tuple[str, str]]:
    """`preemption = dict(signals=['SIGTERM', 'SIGUSR1'])` (or None): catchable signal names only."""
    if value is None:
        return []
    problems = [(f"preemption.{key}", f"unknown key{did_you_mean(str(key), ('signals',))}; preemption takes "
                                      f"signals") for key in value if key != "signals"]
    names = value.get("signals", [])
    catchable = set(signal.Signals.__members__) - {"SIGKILL", "SIGSTOP"}
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n in catchable for n in names):
        problems.append(("preemption.signals", f"must be a list of catchable signal names such as "
                                               f"['SIGTERM', 'SIGUSR1'] (or [] to turn preemption off), "
                                               f"got {names!r}"))
    return problems


def custom_imports_problems(value: Any) -> list[tuple[str, str]]:
    """(key path, message) for each mistake in a `custom_imports` value: it must be a dict with `imports` (a
    module name or a list of them) and optionally `allow_failed_imports` (a bool), nothing else."""
    if not isinstance(value, dict):
        return [("custom_imports", f"must be dict(imports=[...], allow_failed_imports=False), got {value!r}")]
    problems = [(f"custom_imports.{key}", f"unknown key{did_you_mean(str(key), CUSTOM_IMPORTS_KEYS)}; "
                                          f"custom_imports takes {', '.join(CUSTOM_IMPORTS_KEYS)}")
                for key in value if key not in CUSTOM_IMPORTS_KEYS]
    imports = value.get("imports")
    names = [imports] if isinstance(imports, str) else imports
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        problems.append(("custom_imports.imports", f"must be a module name or a list of module names, "
                                                   f"got {imports!r}"))
    if not isinstance(value.get("allow_failed_imports", False), bool):
        problems.append(("custom_imports.allow_failed_imports",
                         f"must be True or False, got {value['allow_failed_imports']!r}"))
    return problems
