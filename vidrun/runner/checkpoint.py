"""Checkpoint files: `{'meta': {...}, 'state_dict': {...}, 'optimizer': {...}, <extra name>: {...}}`.

Every value is a plain type or a tensor (`to_plain` converts numpy values and paths, and refuses anything else
with its key path), so a checkpoint always loads with `torch.load(weights_only=True)`: reading one never runs
code from the file. Files are written atomically — a crash or an error mid-save leaves the previous file of that
name as it was — and every reading error names the file and says what is wrong with it.
"""
from __future__ import annotations

import contextlib
import logging
import os
import pickle
import re
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import PurePath
from typing import IO, Any

import numpy as np
import torch
from torch import nn

from vidrun.runner.state_dict_names import (ema_averages, ema_buffer_name, get_state_dict,  # noqa: F401
                                            plain_name, to_wrapped_names, unwrap_model)

RESERVED_KEYS = ("meta", "state_dict", "optimizer")
_LEAVES = (type(None), bool, int, float, str, bytes)
# torch.load(weights_only=True) rebuilds these itself (checked on torch 2.13); torch.Size before tuple.
_TORCH_VALUES = (torch.Tensor, torch.dtype, torch.device, torch.Size)
_UNSAFE_GLOBAL = re.compile(r"Unsupported global: GLOBAL (\S+)")
_log = logging.getLogger(__name__)


class CheckpointError(RuntimeError):
    """A file that cannot be read as a checkpoint: truncated, corrupt, not a dict, or holding Python objects."""


class CheckpointWriteError(OSError):
    """A checkpoint that could not be written (disk full, permission denied, read-only filesystem, a name too
    long...): the message names the file and the cause; `errno` and `filename` are the failure's own. The file
    of that name, if any, is left as it was."""

    def __str__(self) -> str:
        return str(self.args[0])  # the message itself, not OSError's "[Errno n] strerror: filename"


def to_plain(obj: Any, path: str = "", cpu_memo: dict | None = None) -> Any:
    """`obj` made of plain types and tensors only: numpy scalars become Python scalars, numpy arrays tensors,
    paths strings, int/float/str subclasses (IntEnum...) their base type; tuples stay tuples, OrderedDicts
    (with a state dict's `_metadata`) stay OrderedDicts, other dicts become dicts. Anything else is a
    TypeError naming its key path, e.g. `meta.hook_msgs.best_score: cannot store <class 'X'>`.

    With `cpu_memo` (a dict, shared over the calls for one file), tensors are detached and moved to the CPU,
    and views of the same memory become one CPU tensor, so that a file holding a tensor twice (a hook's
    state naming the model's own buffers) stores it once, wherever the model lives."""
    if isinstance(obj, torch.Tensor) and cpu_memo is not None:
        return _on_cpu(obj, cpu_memo)
    if isinstance(obj, _TORCH_VALUES) or type(obj) in _LEAVES:
        return obj
    if isinstance(obj, np.generic):
        return to_plain(obj.item(), path)
    if isinstance(obj, np.ndarray):
        try:
            return torch.from_numpy(np.ascontiguousarray(obj)).clone()
        except TypeError as e:
            raise TypeError(f"{path or '<root>'}: cannot store a numpy array of dtype {obj.dtype}") from e
    if isinstance(obj, PurePath):
        return str(obj)
    for base in _LEAVES[1:]:
        if isinstance(obj, base):
            return base(obj)
    if isinstance(obj, dict):
        return _plain_dict(obj, path, cpu_memo)
    if isinstance(obj, (list, tuple)):
        items = [to_plain(v, f"{path}[{i}]", cpu_memo) for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else tuple(items)
    raise TypeError(f"{path or '<root>'}: cannot store {type(obj)}; a checkpoint holds only None, bool, int, "
                    f"float, str, bytes, tensors and lists, tuples and dicts of them (store its state_dict() "
                    f"or a plain description instead)")


def _on_cpu(tensor: torch.Tensor, memo: dict) -> torch.Tensor:
    key = (tensor.device, tensor.data_ptr(), tensor.dtype, tuple(tensor.shape), tensor.stride())
    if tensor.data_ptr() == 0:  # empty tensors share the null pointer: nothing to save twice
        return tensor.detach().cpu()
    if key not in memo:
        memo[key] = tensor.detach().cpu()
    return memo[key]


def _plain_dict(obj: dict, path: str, cpu_memo: dict | None = None) -> dict:
    out: dict = OrderedDict() if type(obj) is OrderedDict else {}
    for key, value in obj.items():
        plain_key = to_plain(key, f"{path}<key {key!r}>")
        out[plain_key] = to_plain(value, f"{path}.{key}" if path else str(key), cpu_memo)
    metadata = getattr(obj, "_metadata", None)
    if isinstance(out, OrderedDict) and metadata is not None:
        out._metadata = to_plain(metadata, f"{path}._metadata")  # type: ignore[attr-defined]
    return out


def _with_metadata(new: OrderedDict, old: Any) -> OrderedDict:
    # `_metadata` (module versions) lets modules such as BatchNorm upgrade old state dicts; keep it along.
    if getattr(old, "_metadata", None) is not None:
        new._metadata = old._metadata  # type: ignore[attr-defined]
    return new


def atomic_write(filename: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """Call `write` on `.<name>.tmp-<pid>` next to `filename`, fsync it, then rename it over `filename`.

    Readers see the old file or the complete new one, never a partial one; on any error (interrupts
    included) the temporary file is removed and an existing `filename` is left untouched."""
    filename = os.fspath(filename)
    directory = os.path.dirname(os.path.abspath(filename))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(filename)}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filename)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable; not every platform can open a dir
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def save_checkpoint(model: nn.Module, filename: str | os.PathLike, optimizer: Any = None,
                    meta: dict | None = None, extra: dict[str, Any] | None = None) -> None:
    """Write `model`'s weights (unwrapped, on CPU; `get_state_dict`), `optimizer.state_dict()` (or
    `{name: state_dict}` for a dict of optimizers; the key is left out when None), `meta` stamped with
    `vidrun_version` and `time`, and each named entry of `extra` (e.g. 'hooks', 'runner', 'amp_scaler') to
    `filename` (`~` expanded), atomically. The model's `CLASSES` (of the model inside a wrapper), when not
    None, goes into `meta['CLASSES']` unless `meta` has one.

    Raises ValueError when an `extra` name collides with meta/state_dict/optimizer and TypeError (with the
    key path) when a value is not storable; both before anything is written."""
    if meta is not None and not isinstance(meta, dict):
        raise TypeError(f"meta must be a dict, not {type(meta).__name__}")
    meta = dict(meta or {})
    classes = getattr(unwrap_model(model), "CLASSES", None)
    if classes is not None:  # as mmcv does: class names travel with the weights
        meta.setdefault("CLASSES", classes)
    clashes = sorted(set(extra or {}) & set(RESERVED_KEYS))
    if clashes:
        raise ValueError(f"extra entries {clashes} collide with the checkpoint's own keys {list(RESERVED_KEYS)}")
    from vidrun import __version__  # lazily: vidrun/__init__ imports far more than a checkpoint needs
    stamp = {"vidrun_version": __version__, "time": datetime.now().astimezone().isoformat(timespec="seconds")}
    checkpoint: dict[str, Any] = {"meta": {**(meta or {}), **stamp}, "state_dict": get_state_dict(model)}
    if optimizer is not None:
        checkpoint["optimizer"] = ({name: opt.state_dict() for name, opt in optimizer.items()}
                                   if isinstance(optimizer, dict) else optimizer.state_dict())
    checkpoint.update(extra or {})
    memo: dict = {}  # every tensor detached, on the CPU, and stored once
    plain = {name: to_plain(value, name, memo) for name, value in checkpoint.items()}
    filename = os.path.expanduser(filename)
    try:
        atomic_write(filename, lambda f: _save_reporting_os_errors(plain, f))
    except OSError as e:
        raise write_error(filename, e) from e


class _ReportingWriter:
    """A file for torch.save that keeps the OSError of a failed write: torch's zip writer turns it into an
    'unexpected pos' RuntimeError, which would hide the cause (disk full, file too large...)."""

    def __init__(self, f: IO[bytes]):
        self.f, self.error = f, None

    def write(self, data: bytes) -> int:
        try:
            return self.f.write(data)
        except OSError as e:
            self.error = e
            raise

    def __getattr__(self, name: str) -> Any:  # flush, seek, tell... are the file's own
        return getattr(self.f, name)


def _save_reporting_os_errors(plain: dict, f: IO[bytes]) -> None:
    writer = _ReportingWriter(f)
    try:
        torch.save(plain, writer)
    except RuntimeError as e:
        if writer.error is None:
            raise
        raise writer.error from e


def write_error(filename: str | os.PathLike, error: BaseException) -> CheckpointWriteError:
    """The CheckpointWriteError for `error`, met while writing `filename`: the path and the cause."""
    number = getattr(error, "errno", None)
    cause = (os.strerror(number) if number else None) or _first_line(error)
    if isinstance(error, OSError) and error.filename and os.fspath(error.filename) != os.fspath(filename):
        cause += f" (at {error.filename})"
    failed = CheckpointWriteError(f"could not write checkpoint {filename}: {cause}; the earlier checkpoints "
                                  f"and latest.pth are unchanged")
    failed.errno, failed.filename = number, os.fspath(filename)
    return failed


def read_checkpoint(filename: str | os.PathLike, map_location: Any = "cpu") -> dict:
    """The checkpoint dict in `filename` (`~` expanded), loaded with `weights_only=True`; a bare state dict
    (a dict of tensors) comes back as `{'meta': {}, 'state_dict': <it>}`.

    Raises FileNotFoundError, or CheckpointError naming the file when it is truncated or not a checkpoint
    (cause chained), holds Python objects beyond tensors and plain types, or is not a dict."""
    filename = os.path.expanduser(os.fspath(filename))
    return _as_checkpoint(load_file(filename, map_location), filename)


def _as_checkpoint(obj: dict, filename: str) -> dict:
    if "state_dict" in obj:
        return obj
    if all(isinstance(v, torch.Tensor) for v in obj.values()):
        return {"meta": {}, "state_dict": obj}
    raise CheckpointError(f"{filename} is neither a checkpoint (it has no 'state_dict'; its keys are "
                          f"{sorted(map(str, obj))[:10]}) nor a bare state dict of tensors")


def load_file(filename: str | os.PathLike, map_location: Any = "cpu") -> dict:
    """The dict `filename` (`~` expanded) holds, as it is, loaded with `weights_only=True`. Errors as
    `read_checkpoint`, but any dict is accepted."""
    filename = os.path.expanduser(os.fspath(filename))
    if not os.path.exists(filename):
        raise FileNotFoundError(f"checkpoint {filename} does not exist")
    try:
        obj = torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        unsafe = _UNSAFE_GLOBAL.search(str(e))
        if unsafe is None:
            raise CheckpointError(f"{filename} is truncated or not a checkpoint: {_first_line(e)}") from e
        raise CheckpointError(
            f"{filename} holds Python objects beyond tensors and plain types (it needs {unsafe.group(1)}), "
            f"which vidrun does not unpickle because that can run code. If you trust the file, convert it "
            f"once: ckpt = torch.load(path, weights_only=False); torch.save({{'state_dict': "
            f"ckpt['state_dict']}}, new_path) (or ckpt itself if it is a bare state dict)") from e
    except (OSError, MemoryError):
        raise
    except Exception as e:  # torch reports damage as EOFError, RuntimeError, KeyError... depending on where
        raise CheckpointError(f"{filename} is truncated or not a checkpoint: {_first_line(e)}") from e
    if not isinstance(obj, dict):
        raise CheckpointError(f"{filename} holds a {type(obj).__name__}, not a checkpoint dict")
    return obj


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else 'no message'}"


def load_state_dict(module: nn.Module, state_dict: dict, strict: bool = False,
                    logger: logging.Logger | None = None, source: str = "the state dict") -> tuple[list, list]:
    """Load `state_dict` into `module` (unwrapped) and return its (missing, unexpected) keys.

    Tensors whose shape differs from the model's are skipped (torch would raise) and reported apart; they
    are in neither list. Problems are logged as one warning grouped by top-level module (`missing keys in
    cls_head: fc.weight, fc.bias`); with `strict` they raise a RuntimeError listing them all instead — as
    with torch, the tensors that do match have been loaded by then. The averages mmcv's EMAHook keeps as
    `ema_*` buffers, in a model built without them, are said in one info line instead, and are no error
    with `strict` (every weight of the model is loaded); they stay in the unexpected keys returned. Keys are
    those of the bare model (`get_state_dict`): a sub-module wrapped in DataParallel / DistributedDataParallel
    takes its keys without the wrapper's `module.`."""
    module = unwrap_model(module)
    state_dict = to_wrapped_names(state_dict, module)
    own = module.state_dict()
    mismatched = {k: (tuple(v.shape), tuple(own[k].shape)) for k, v in state_dict.items()
                  if isinstance(v, torch.Tensor) and isinstance(own.get(k), torch.Tensor)
                  and v.shape != own[k].shape}
    kept = _with_metadata(OrderedDict((k, v) for k, v in state_dict.items() if k not in mismatched), state_dict)
    result = module.load_state_dict(kept, strict=False)
    missing = [plain_name(module, k) for k in result.missing_keys if k not in mismatched]
    unexpected = [plain_name(module, k) for k in result.unexpected_keys]
    mismatched = {plain_name(module, k): shapes for k, shapes in mismatched.items()}
    own = get_state_dict(module)
    averages = ema_averages(unexpected, module)
    if averages:
        (logger or _log).info(
            "%s holds %d EMAHook averages (ema_* buffers) that %s has no buffers for: they are not loaded "
            "(its parameters get the checkpoint's parameters; `vidrun test --ema` tells which weights are "
            "tested)", source, len(averages), type(module).__name__)
    lines = (_grouped("missing keys", missing, own)
             + _grouped("unexpected keys", [k for k in unexpected if k not in averages], None)
             + [f"size mismatch for {k}: checkpoint {saved}, model {model}"
                for k, (saved, model) in mismatched.items()])
    if lines:
        message = f"loading {source} into {type(module).__name__}:\n  " + "\n  ".join(lines)
        if strict:
            raise RuntimeError(f"{message}\n(strict=True; pass strict=False to load the matching tensors only)")
        (logger or _log).warning(message)
    return missing, unexpected


def _grouped(kind: str, keys: Iterable[str], own: dict | None) -> list[str]:
    # One line per top-level module; a module missing entirely (> 8 keys) is summarised rather than listed.
    groups: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        head, _, rest = key.partition(".")
        groups[head if rest else "(root)"].append(rest or key)
    lines = []
    for head, names in groups.items():
        total = None if own is None else sum(k.startswith(f"{head}.") for k in own)
        listed = f"all {total} of them" if total == len(names) and total > 8 else ", ".join(names)
        lines.append(f"{kind} in {head}: {listed}")
    return lines


def revise_state_dict_keys(state_dict: dict, revisions: Iterable[tuple[str, str]]) -> OrderedDict:
    """`state_dict` with `re.sub(pattern, replacement, key)` applied to every key (and to the module paths of
    its `_metadata`), in order. Two keys revised to the same name is a ValueError naming both."""
    revisions = list(revisions)

    def revise(key: str) -> str:
        for pattern, replacement in revisions:
            key = re.sub(pattern, replacement, key)
        return key

    out: OrderedDict = OrderedDict()
    origin: dict[str, str] = {}
    for key, value in state_dict.items():
        new = revise(key)
        if new in out:
            raise ValueError(f"revise_keys maps both {origin[new]!r} and {key!r} to {new!r}")
        out[new], origin[new] = value, key
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        out._metadata = OrderedDict((revise(k), v) for k, v in metadata.items())  # type: ignore[attr-defined]
    return out


def load_checkpoint(model: nn.Module, filename: str | os.PathLike, map_location: Any = "cpu",
                    strict: bool = False, logger: logging.Logger | None = None,
                    revise_keys: Iterable[tuple[str, str]] = ((r"^module\.", ""),)) -> dict:
    """Load the weights in `filename` (`~` expanded) into `model` (keys revised by `revise_keys`, default:
    strip a `module.` prefix) and return what the file holds, as mmcv does: the checkpoint dict, or a bare
    state dict as it is. Errors as `read_checkpoint` and `load_state_dict`."""
    filename = os.path.expanduser(os.fspath(filename))
    checkpoint = load_file(filename, map_location)
    state_dict = _as_checkpoint(checkpoint, filename)["state_dict"]
    load_state_dict(model, revise_state_dict_keys(state_dict, revise_keys), strict, logger, source=filename)
    return checkpoint
