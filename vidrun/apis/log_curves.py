"""Training logs read back as curves: `load_log` reads a `<timestamp>.log.json` and says where in training each
logged value sits, so that runs can be drawn and compared on one axis.

What a line holds (see `vidrun.runner.hooks.logger`): `mode`, `epoch` and `iter`, then the values.
Under an `EpochBasedRunner` a train line's `epoch` is 1-based and its `iter` the 1-based iteration *within*
that epoch; a val line's `epoch` counts the epochs trained when it was written, so it belongs to the end of
that epoch (its `iter` is the train loader's or the val loader's length, or 0 for an evaluation before an
epoch started, as with `evaluation=dict(start=0)` or at the start of a resumed run, and is not used): a
val line of epoch 0 scores the weights training started from. Under an `IterBasedRunner` every `iter` is the
global iteration and `epoch` is 1 + the passes over the data.

Placing a train line of a by-epoch log on a global iteration axis needs the iterations per epoch. The json
lines alone cannot always tell it: with `ignore_last=True` (the default) the last chunk of an epoch that is
shorter than the log interval is never written, so the largest logged `iter` falls short (25 iterations
logged every 10 show 10 and 20 only). The text log written beside the json (`<timestamp>.log`) prints the
loader length on every train line (`Epoch [2][20/25]`), so it is read when it is there. In order:
the number given by the caller, the text log's, the largest logged `iter` (exact when the epoch's last
iteration was logged: `ignore_last=False`, an epoch length that is a multiple of the interval, or an epoch
shorter than the interval).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

AXES = ("iter", "epoch")
PLACE_KEYS = ("mode", "epoch", "iter")
_EPOCH_LINE = re.compile(r"\bEpoch \[\d+\]\[\d+/(\d+)\]\t")  # a by-epoch train line: ...[inner/length]
_ITER_LINE = re.compile(r"\bIter \[\d+/\d+\]\t")


class LogError(ValueError):
    """A log that cannot be read, or a curve that cannot be drawn from it; the message names the log."""


@dataclass
class TrainingLog:
    """The lines of one `.log.json` that have a place in training (`mode`, `epoch`, `iter`), in file order.

    `iters_per_epoch_from` says where `iters_per_epoch` came from: `"given"`, the text log's file name,
    `"largest logged iter"` (possibly short, see the module docstring) or `None` when it is unknown.
    """

    path: str
    records: list[dict]
    by_epoch: bool
    iters_per_epoch: int | None = None
    iters_per_epoch_from: str | None = None

    def keys(self, mode: str | None = None) -> set[str]:
        """The names with numeric values in lines of `mode` (any mode when None)."""
        return {key for record in self.records if mode in (None, record["mode"])
                for key, value in record.items() if key not in PLACE_KEYS and _is_number(value)}

    def curve(self, key: str, mode: str, x: str = "iter") -> tuple[list[float], list[float]]:
        """`(xs, ys)` of `key` in the lines of `mode`, in file order.

        `x="iter"`: train lines at their global iteration, `(epoch - 1) * iters_per_epoch + iter` by epoch;
        by-epoch val lines at the end of their epoch, `epoch * iters_per_epoch` (0 for a val line written
        before training). `x="epoch"`: the same
        positions in (fractional) epochs; a by-iteration log needs `iters_per_epoch` for that.
        """
        if x not in AXES:
            raise ValueError(f"x must be one of {AXES}, not {x!r}")
        points = [(self._position(r, x), float(r[key])) for r in self.records
                  if r["mode"] == mode and _is_number(r.get(key))]
        return [p[0] for p in points], [p[1] for p in points]

    def _position(self, record: dict, x: str) -> float:
        epoch, inner = record["epoch"], record["iter"]
        if not self.by_epoch:
            return inner if x == "iter" else inner / self._iters_per_epoch("a by-iteration log on an epoch axis")
        if record["mode"] != "train":
            return epoch if x == "epoch" else epoch * self._iters_per_epoch("val lines on an iteration axis")
        per_epoch = self._iters_per_epoch("train lines")
        return (epoch - 1) * per_epoch + inner if x == "iter" else epoch - 1 + inner / per_epoch

    def _iters_per_epoch(self, what: str) -> int:
        if self.iters_per_epoch is None:
            raise LogError(f"{self.path}: placing {what} needs the iterations per epoch, which this log does "
                           f"not show: give them (--iters-per-epoch N)")
        return self.iters_per_epoch


def load_log(path: str | Path, iters_per_epoch: int | None = None) -> TrainingLog:
    """Read a `.log.json` (and the text log beside it, when there) into a `TrainingLog`.

    Lines without a place (e.g. an environment header) are skipped. A by-epoch log is told from a
    by-iteration one by the text log's line format, else by an `epoch` of 0 (a val line before training:
    only an `EpochBasedRunner` counts epochs from 0) or the train `iter` restarting in a new epoch; a log
    whose `iter` does neither is by iteration when it spans several epochs or has several val lines in one
    epoch, and by epoch otherwise (on an iteration axis both read the same then).
    """
    if iters_per_epoch is not None and iters_per_epoch < 1:
        raise ValueError(f"iters_per_epoch must be at least 1, got {iters_per_epoch}")
    records = _read_records(Path(path))
    unit, text_length, text_log = _text_log_facts(Path(path))
    by_epoch = unit == "epoch" if unit is not None else _looks_by_epoch(records)
    log = TrainingLog(str(path), records, by_epoch)
    train_iters = [r["iter"] for r in records if r["mode"] == "train"]
    if iters_per_epoch is not None:
        log.iters_per_epoch, log.iters_per_epoch_from = iters_per_epoch, "given"
    elif by_epoch and text_length is not None:
        log.iters_per_epoch, log.iters_per_epoch_from = text_length, text_log
    elif by_epoch and train_iters:
        log.iters_per_epoch, log.iters_per_epoch_from = max(train_iters), "largest logged iter"
    return log


def run_names(paths: list[str]) -> list[str]:
    """Short names for logs in a legend: the file names (without `.log.json`) when all lie in one work
    directory, else the work directories' names, with the file name added where a directory name repeats,
    and the path as given where even that repeats."""
    resolved = [Path(p).resolve() for p in paths]
    stems = [p.name.removesuffix(".json").removesuffix(".log") for p in resolved]
    if len({p.parent for p in resolved}) == 1:
        return stems
    folders = [p.parent.name for p in resolved]
    names = [f"{folder}/{stem}" if folders.count(folder) > 1 else folder for folder, stem in zip(folders, stems)]
    return [str(path) if names.count(name) > 1 else name for path, name in zip(paths, names)]


def _read_records(path: Path) -> list[dict]:
    records = []
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise LogError(f"{path}:{number}: not a JSON line ({error})") from error
            if isinstance(record, dict) and all(key in record for key in PLACE_KEYS):
                records.append(record)
    if not records:
        raise LogError(f"{path}: no log lines with mode, epoch and iter: is it a vidrun .log.json?")
    return records


def _text_log_facts(json_path: Path) -> tuple[str | None, int | None, str | None]:
    """`(unit, iterations per epoch, file name)` from `<timestamp>.log` beside `<timestamp>.log.json`."""
    text_path = json_path.with_name(json_path.name.removesuffix(".json"))
    if text_path == json_path or not text_path.is_file():
        return None, None, None
    text = text_path.read_text(encoding="utf-8", errors="replace")
    epoch_line = _EPOCH_LINE.search(text)
    if epoch_line:
        return "epoch", int(epoch_line.group(1)), text_path.name
    return ("iter" if _ITER_LINE.search(text) else None), None, None


def _looks_by_epoch(records: list[dict]) -> bool:
    if any(r["epoch"] == 0 for r in records):
        return True  # a val line before training: an IterBasedRunner's lines count epochs from 1
    train = [r["iter"] for r in records if r["mode"] == "train"]
    if any(later <= earlier for earlier, later in zip(train, train[1:])):
        return True  # the inner iteration restarted
    train_epochs = {r["epoch"] for r in records if r["mode"] == "train"}
    val_per_epoch = Counter(r["epoch"] for r in records if r["mode"] == "val")
    return len(train_epochs) < 2 and all(count < 2 for count in val_per_epoch.values())


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
