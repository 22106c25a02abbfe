"""`vidrun analyze-logs cal-train-time LOG.json [...]` (and `plot-curve`, the same as `vidrun plot-curve`):
mmaction2's `tools/analysis/analyze_logs.py`, as a subcommand."""
from __future__ import annotations

import argparse
import sys

from typing import TYPE_CHECKING

from vidrun.cli import plot_curve

if TYPE_CHECKING:
    from vidrun.apis.train_time import TrainTime


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyze-logs", help="analyse training logs (.log.json): iteration times, curves",
        description="Analyse the JSON logs that training writes (WORK_DIR/<timestamp>.log.json).")
    tasks = parser.add_subparsers(title="tasks", metavar="TASK", required=True)
    timing = tasks.add_parser(
        "cal-train-time", help="seconds per training iteration, per epoch and overall",
        description="For each log: the mean `time` of the train lines of every epoch (each line's time is "
                    "the mean of the iterations since the previous line), the slowest and fastest epoch, "
                    "the standard deviation over epochs and the mean over all lines.")
    timing.add_argument("logs", nargs="+", metavar="LOG.json", help="logs written by training")
    timing.add_argument("--include-outliers", action="store_true",
                        help="count the first line of every epoch too (left out by default: it includes "
                             "starting the data loader)")
    timing.set_defaults(run=run)
    plot_curve.add_arguments(tasks.add_parser(
        "plot-curve", help="the same as vidrun plot-curve", description="The same as vidrun plot-curve."))


def run(args: argparse.Namespace) -> int:
    from vidrun.apis.log_curves import LogError, load_log
    from vidrun.apis.train_time import train_time

    for path in args.logs:
        try:
            times = train_time(load_log(path), args.include_outliers)
        except LogError as error:
            print(f"vidrun analyze-logs: error: {error}", file=sys.stderr)
            return 2
        print(report(path, times))
    return 0


def report(path: str, times: TrainTime) -> str:
    """The lines printed for one log."""
    lines = [f"-----Analyze train time of {path}-----"]
    for epoch, seconds in times.per_epoch.items():
        count = times.lines[epoch]
        lines.append(f"epoch {epoch}: {seconds:.4f} s/iter ({count} line{'s' if count > 1 else ''})")
    if times.left_out:
        lines.append(f"left out (only their first line): epochs {', '.join(map(str, times.left_out))}")
    lines += [f"slowest epoch {times.slowest}, average time is {times.per_epoch[times.slowest]:.4f} s/iter",
              f"fastest epoch {times.fastest}, average time is {times.per_epoch[times.fastest]:.4f} s/iter",
              f"time std over epochs is {times.std:.4f}",
              f"average iter time: {times.average:.4f} s/iter", ""]
    return "\n".join(lines)
