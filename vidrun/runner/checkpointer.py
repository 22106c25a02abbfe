"""A work directory's checkpoints: how they are written — atomically, with `latest.pth` kept pointing at the
newest and old ones pruned (`Checkpointer`) — and which one `--auto-resume` continues from
(`find_latest_checkpoint`). When to save is the hooks' business (`CheckpointHook`, `EvalHook`)."""
from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
from typing import Any

from torch import nn

from vidrun.runner.checkpoint import CheckpointError, atomic_write, read_checkpoint, save_checkpoint, write_error

NUMBERED_NAME = re.compile(r"(?P<family>epoch|iter|preempt_iter)_(?P<number>\d+)\.pth")
PREEMPT_FAMILY = "preempt_iter"  # written by the PreemptionHook, removed once a later checkpoint is saved
LATEST_NAME = "latest.pth"
_log = logging.getLogger(__name__)


class Checkpointer:
    """Saves checkpoints into `directory` (`~` expanded) and keeps it tidy.

    `save('epoch_3.pth', ...)` writes the file atomically, then replaces `latest.pth` with a hard link to it (an
    atomic copy where the filesystem has no hard links), so there is never a moment without a complete
    `latest.pth`, and copying the directory keeps it valid (it is not a symlink). Then, when `max_keep_ckpts`
    > 0, only the newest `max_keep_ckpts` of that file's family (`epoch_N.pth` or `iter_N.pth`, by N) are
    kept; files numbered above the one just saved (left by another run) are not touched, nor is any file
    outside the family (`latest.pth`, `best_*.pth`, anything else). A `preempt_iter_N.pth` is removed once a
    checkpoint of a later point (its `meta['iter']` >= N) is saved with `update_latest`. `save_best` keeps one
    best file.

    A write that fails (disk full, permission denied, read-only filesystem) raises `CheckpointWriteError`
    naming the file and the cause, and leaves every file of the directory, `latest.pth` included, as it was."""

    def __init__(self, directory: str | os.PathLike, max_keep_ckpts: int = -1,
                 logger: logging.Logger | None = None):
        self.directory = os.path.expanduser(os.fspath(directory))
        self.max_keep_ckpts = max_keep_ckpts
        self.logger = logger or _log

    def save(self, name: str, model: nn.Module, optimizer: Any = None, meta: dict | None = None,
             extra: dict[str, Any] | None = None, update_latest: bool = True) -> str:
        """Write `directory/name` (see `save_checkpoint`), point `latest.pth` at it, prune; return its path."""
        path = self._path(name)
        save_checkpoint(model, path, optimizer, meta, extra)
        if update_latest:
            try:
                self.point_latest(path)
            except OSError as e:  # e.g. no room left for the copy where hard links are not supported
                raise write_error(os.path.join(self.directory, LATEST_NAME), e) from e
            self._remove_superseded_preempts(path, (meta or {}).get("iter"))
        self._prune(name)
        self.logger.info("saved checkpoint %s", path)
        return path

    def save_best(self, name: str, model: nn.Module, optimizer: Any = None, meta: dict | None = None,
                  extra: dict[str, Any] | None = None, previous: str | os.PathLike | None = None) -> str:
        """Write `directory/name` (e.g. `best_top1_acc_epoch_4.pth`); once it is complete, remove `previous`
        (a name in `directory` or a path to a `best_*.pth` file there). `latest.pth` is not touched."""
        path = self._path(name)
        save_checkpoint(model, path, optimizer, meta, extra)
        if previous is not None:
            self._remove_previous_best(os.fspath(previous), path)
        return path

    def point_latest(self, path: str) -> None:
        """Atomically make `directory/latest.pth` the same file as `path` (hard link, else a copy)."""
        latest = os.path.join(self.directory, LATEST_NAME)
        tmp = os.path.join(self.directory, f".{LATEST_NAME}.tmp-{os.getpid()}")
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        try:
            os.link(path, tmp)
        except OSError:  # no hard links here (some network and FAT filesystems): copy instead
            with open(path, "rb") as source:
                atomic_write(latest, lambda f: shutil.copyfileobj(source, f))
            return
        try:
            os.replace(tmp, latest)
        finally:
            # rename() of two links to one file does nothing, leaving tmp; an interrupted replace leaves it too
            with contextlib.suppress(FileNotFoundError):
                os.remove(tmp)

    def _path(self, name: str) -> str:
        if not name or os.path.basename(name) != name or name in (".", ".."):
            raise ValueError(f"checkpoint name {name!r} must be a file name, without a directory")
        if name == LATEST_NAME:
            raise ValueError(f"{LATEST_NAME} is kept by the Checkpointer itself; save under another name")
        return os.path.join(self.directory, name)

    def _prune(self, name: str) -> None:
        match = NUMBERED_NAME.fullmatch(name)
        if self.max_keep_ckpts <= 0 or match is None:
            return
        current = int(match["number"])
        older = [path for number, path in numbered_checkpoints(self.directory, match["family"])
                 if number <= current]
        for path in older[:-self.max_keep_ckpts]:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
            self.logger.info("removed %s (max_keep_ckpts=%d)", path, self.max_keep_ckpts)

    def _remove_superseded_preempts(self, path: str, iteration: Any) -> None:
        if not isinstance(iteration, int):
            return
        for number, old in numbered_checkpoints(self.directory, PREEMPT_FAMILY):
            if number <= iteration and old != path:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(old)
                self.logger.info("removed %s: %s supersedes it", old, os.path.basename(path))

    def _remove_previous_best(self, previous: str, path: str) -> None:
        previous = previous if os.path.dirname(previous) else os.path.join(self.directory, previous)
        if os.path.realpath(previous) == os.path.realpath(path):
            return
        if (os.path.dirname(os.path.realpath(previous)) != os.path.realpath(self.directory)
                or not os.path.basename(previous).startswith("best_")):
            self.logger.warning("not removing the previous best checkpoint %s: it is not a best_*.pth file in %s",
                                previous, self.directory)
            return
        with contextlib.suppress(FileNotFoundError):
            os.remove(previous)


def preempt_name(iterations_done: int) -> str:
    """The name of the checkpoint a preempted run writes after `iterations_done` iterations."""
    return f"{PREEMPT_FAMILY}_{iterations_done}.pth"


def numbered_checkpoints(directory: str | os.PathLike, family: str) -> list[tuple[int, str]]:
    """`(N, path)` of every `<family>_N.pth` ('epoch', 'iter' or 'preempt_iter') in `directory`, by N ascending."""
    matches = [NUMBERED_NAME.fullmatch(name) for name in os.listdir(directory)]
    return sorted((int(m["number"]), os.path.join(directory, m.string)) for m in matches
                  if m is not None and m["family"] == family)


def find_latest_checkpoint(work_dir: str | os.PathLike, logger: logging.Logger | None = None) -> str | None:
    """The checkpoint `--auto-resume` continues from: `latest.pth` when it is readable, else the newest
    readable `epoch_N.pth` / `iter_N.pth` / `preempt_iter_N.pth` (with several kinds present, the one whose
    `meta.iter` is larger),
    else None. Unreadable files passed over are named in a warning."""
    if not os.path.isdir(work_dir):
        return None
    skipped: list[str] = []
    latest = os.path.join(work_dir, LATEST_NAME)
    if os.path.exists(latest):
        if _meta_or_none(latest) is not None:
            return latest
        skipped.append(latest)
    best: tuple[int, int, str] | None = None
    for family in ("epoch", "iter", PREEMPT_FAMILY):
        for number, path in reversed(numbered_checkpoints(work_dir, family)):
            meta = _meta_or_none(path)
            if meta is None:
                skipped.append(path)
                continue
            candidate = (int(meta.get("iter", -1)), number, path)
            best = candidate if best is None else max(best, candidate)
            break
    if skipped:
        (logger or _log).warning("auto-resume: %s %s unreadable (truncated or not a checkpoint); %s",
                                 ", ".join(skipped), "is" if len(skipped) == 1 else "are",
                                 f"resuming from {best[2]} instead" if best else "no readable checkpoint left")
    return None if best is None else best[2]


def _meta_or_none(path: str) -> dict | None:
    try:
        meta = read_checkpoint(path).get("meta")
    except CheckpointError:
        return None
    return meta if isinstance(meta, dict) else {}
