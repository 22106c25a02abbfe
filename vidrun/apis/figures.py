"""Pictures of a run, as matplotlib `Figure`s drawn without pyplot (no display, no global state): the
curves of training logs (`draw_curves`) and the lr/momentum schedule of a config (`draw_schedule`).
`save_figure` writes one to a file."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from vidrun.apis.log_curves import LogError, TrainingLog, run_names
from vidrun.config import did_you_mean

# Train lines are many and dense; val lines are one an epoch: dashed, with a marker on each point.
STYLES = {"train": dict(linestyle="-", linewidth=1.2),
          "val": dict(linestyle="--", linewidth=1.2, marker="o", markersize=4)}
AXIS_LABELS = {"iter": "iteration", "epoch": "epoch"}


def draw_curves(logs: Sequence[TrainingLog], keys: Sequence[str], names: Sequence[str] | None = None,
                title: str | None = None, x: str = "iter") -> Figure:
    """One subplot a key (keys differ in scale: a loss, an accuracy), sharing the x axis; in each, a line a
    (log, mode) where the log has the key: a colour a log, train solid, val dashed with markers.

    `names` label the logs (default: `run_names` of their paths). A key that no log has is an error that
    lists the keys there are.
    """
    if not logs or not keys:
        raise ValueError("draw_curves needs at least one log and one key")
    names = list(names) if names is not None else run_names([log.path for log in logs])
    if len(names) != len(logs):
        raise LogError(f"{len(names)} legend names for {len(logs)} logs: give one name a log")
    present = set().union(*(log.keys() for log in logs))
    missing = [key for key in keys if key not in present]
    if missing:
        where = "any of the logs" if len(logs) > 1 else logs[0].path
        raise LogError(f"{', '.join(key + did_you_mean(key, present) for key in missing)} not in {where}; "
                       f"the logs have: {', '.join(sorted(present))}")
    fig = Figure(figsize=(8, 0.8 + 2.8 * len(keys)), layout="constrained")
    axes = fig.subplots(len(keys), 1, sharex=True, squeeze=False)[:, 0]
    for key, ax in zip(keys, axes):
        for number, (log, name) in enumerate(zip(logs, names)):
            for mode, style in STYLES.items():
                xs, ys = log.curve(key, mode, x)
                if xs:
                    ax.plot(xs, ys, color=f"C{number % 10}", label=f"{name} {mode}", **style)
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    axes[-1].set_xlabel(AXIS_LABELS[x])
    if x == "iter":
        axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title if title is not None else _default_title(logs, names))
    return fig


def draw_schedule(trace: dict, title: str) -> Figure:
    """The lr (and momentum, when the optimizer has one) of every training iteration of a `trace_schedule`
    result: a line a distinct series of values, its legend naming the parameter groups that follow it; the
    iterations below, the epochs on top."""
    has_momentum = any(v is not None for row in trace["momentum"] for v in row)
    names = ("lr", "momentum") if has_momentum else ("lr",)
    fig = Figure(figsize=(8, 6 if has_momentum else 3.5), layout="constrained")
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    for name, ax in zip(names, axes):
        series: dict[tuple, list[int]] = {}  # groups with identical values share one line
        for group, values in enumerate(zip(*trace[name])):
            series.setdefault(values, []).append(group)
        for values, groups in series.items():
            ax.plot(range(1, len(values) + 1), values, label=_groups_label(groups, len(series) == 1,
                                                                           trace.get("groups")))
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    per_epoch = trace["iters_per_epoch"]
    axes[-1].set_xlabel(f"iteration ({per_epoch} per epoch)")
    top = axes[0].secondary_xaxis("top", functions=(lambda i: i / per_epoch, lambda e: e * per_epoch))
    top.set_xlabel("epoch")
    fig.suptitle(title)
    return fig


def save_figure(fig: Figure, path: str | Path, dpi: int = 100) -> None:
    """Write `fig` to `path`, in the format its suffix names (`.png`, `.pdf`, `.svg`, ...)."""
    fig.savefig(path, dpi=dpi)


def _groups_label(groups: list[int], only: bool, names: list[str] | None = None) -> str:
    """`names`: each column's `<optimizer>.<group>` when the trace has several optimizers."""
    first = f"group {groups[0]}" if names is None else names[groups[0]]
    if len(groups) == 1:
        return first
    return f"all {len(groups)} groups" if only else f"{len(groups)} groups (first: {first.removeprefix('group ')})"


def _default_title(logs: Sequence[TrainingLog], names: list[str]) -> str:
    folders = {Path(log.path).resolve().parent for log in logs}
    where = next(iter(folders)).name if len(folders) == 1 else ", ".join(names)
    return f"training curves: {where}"
