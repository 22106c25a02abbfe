"""`vidrun plot-lr CONFIG --out lr.png [--json lr.json] [--iters-per-epoch N]`: the schedule, drawn."""
from __future__ import annotations

import argparse
import json

from vidrun.cli.common import add_config_arguments, load_config


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plot-lr", help="draw the lr and momentum of every iteration of a config, without training",
        description="Run the config's lr and momentum hooks over the whole schedule (no data is read, no "
                    "model step is taken) and draw the values each training iteration uses, per parameter group.")
    add_config_arguments(parser)
    parser.add_argument("--out", required=True, metavar="FILE.png", help="the picture to write")
    parser.add_argument("--json", metavar="FILE.json", help="also write the values as JSON")
    parser.add_argument("--iters-per-epoch", type=int, metavar="N",
                        help="iterations per epoch (default: from the config's train set, which must exist)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vidrun.apis.figures import draw_schedule, save_figure
    from vidrun.apis.schedule_trace import iters_per_epoch_of, trace_schedule

    cfg = load_config(args)
    iters = args.iters_per_epoch
    if iters is None:
        try:
            iters = iters_per_epoch_of(cfg)
        except FileNotFoundError as error:
            raise FileNotFoundError(f"{error}; without the data, pass --iters-per-epoch N") from error
    trace = trace_schedule(cfg, iters)
    save_figure(draw_schedule(trace, f"lr schedule of {args.config}"), args.out)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(trace, f)
    print(f"{trace['max_iters']} iterations ({iters} per epoch): lr drawn in {args.out}"
          + (f", values in {args.json}" if args.json else ""))
    return 0
