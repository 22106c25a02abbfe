"""`vidrun plot-curve LOG.json [...] --keys loss top1_acc --out curve.png`: training curves, drawn."""
from __future__ import annotations

import argparse
import sys

from typing import TYPE_CHECKING

from vidrun.cli.common import positive_int

if TYPE_CHECKING:
    from vidrun.apis.log_curves import TrainingLog


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plot-curve", help="draw loss, accuracy, ... of training logs (.log.json) against iterations or epochs",
        description="Draw the values of one or more training logs (WORK_DIR/<timestamp>.log.json): one "
                    "subplot a key, one colour a log, train lines solid and val lines dashed with markers. "
                    "Train values sit at their global iteration, val values at the end of their epoch.")
    add_arguments(parser)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("logs", nargs="+", metavar="LOG.json", help="logs written by training")
    parser.add_argument("--keys", nargs="+", default=["loss"], metavar="KEY",
                        help="the values to draw, one subplot each (default: loss)")
    parser.add_argument("--legend", nargs="+", metavar="NAME",
                        help="a name for each log (default: the file names, or the work directories' names "
                             "when the logs lie in several)")
    parser.add_argument("--title", help="the figure's title (default: from the work directory)")
    parser.add_argument("--x", choices=("iter", "epoch"), default="iter",
                        help="the x axis: global iterations (default) or fractional epochs")
    parser.add_argument("--iters-per-epoch", type=positive_int, metavar="N",
                        help="iterations per epoch of every log (default: from the text log beside it, else "
                             "the largest logged iteration)")
    parser.add_argument("--out", required=True, metavar="FILE.png", help="the picture to write")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vidrun.apis.figures import draw_curves, save_figure
    from vidrun.apis.log_curves import LogError, load_log, run_names

    try:
        logs = [load_log(path, args.iters_per_epoch) for path in args.logs]
        figure = draw_curves(logs, args.keys, args.legend, args.title, args.x)
    except LogError as error:
        print(f"vidrun plot-curve: error: {error}", file=sys.stderr)
        return 2
    save_figure(figure, args.out)
    for log, name in zip(logs, args.legend or run_names(args.logs)):
        print(f"{name}: {log.path}, {_layout(log)}")
    print(f"{', '.join(args.keys)} drawn in {args.out}")
    return 0


def _layout(log: TrainingLog) -> str:
    if not log.by_epoch:
        return "by iteration"
    if log.iters_per_epoch is None:
        return "by epoch (iterations per epoch unknown)"
    where = {"given": "as given", "largest logged iter": "the largest logged: if ignore_last left out a "
             "shorter last chunk there are more, give --iters-per-epoch"}.get(log.iters_per_epoch_from,
                                                                              f"from {log.iters_per_epoch_from}")
    return f"by epoch, {log.iters_per_epoch} iterations per epoch ({where})"
