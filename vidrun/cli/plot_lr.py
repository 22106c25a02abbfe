"""`vidrun plot-lr CONFIG --out lr.png [--json lr.json] [--iters-per-epoch N]`: the schedule, drawn."""
from __future__ import annotations

import argparse
import json

from vidrun.apis.schedule_trace import iters_per_epoch_of, trace_schedule
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


def _draw(trace: dict, path: str, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    has_momentum = any(v is not None for row in trace["momentum"] for v in row)
    fig, axes = plt.subplots(2 if has_momentum else 1, 1, figsize=(8, 6 if has_momentum else 3.5), sharex=True,
                             squeeze=False)
    for name, ax in zip(("lr", "momentum") if has_momentum else ("lr",), axes[:, 0]):
        series: dict[tuple, list[int]] = {}  # groups with identical values share one line
        for group, values in enumerate(zip(*trace[name])):
            series.setdefault(values, []).append(group)
        for values, groups in series.items():
            label = f"group {groups[0]}" if len(groups) == 1 else f"{len(groups)} groups (first: {groups[0]})"
            ax.plot(range(1, len(values) + 1), values, label=label if len(series) > 1 else None)
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        if len(series) > 1:
            ax.legend(fontsize="small")
    per_epoch = trace["iters_per_epoch"]
    axes[-1, 0].set_xlabel(f"iteration ({per_epoch} per epoch)")
    top = axes[0, 0].secondary_xaxis("top", functions=(lambda i: i / per_epoch, lambda e: e * per_epoch))
    top.set_xlabel("epoch")
    axes[0, 0].set_title(title, fontsize="medium")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    iters = args.iters_per_epoch
    if iters is None:
        try:
            iters = iters_per_epoch_of(cfg)
        except FileNotFoundError as error:
            raise FileNotFoundError(f"{error}; without the data, pass --iters-per-epoch N") from error
    trace = trace_schedule(cfg, iters)
    _draw(trace, args.out, args.config)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(trace, f)
    print(f"{trace['max_iters']} iterations ({iters} per epoch): lr drawn in {args.out}"
          + (f", values in {args.json}" if args.json else ""))
    return 0
