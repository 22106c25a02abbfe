"""The entry point of `vidrun` and `python -m vidrun`."""
from __future__ import annotations

import argparse
import sys

from vidrun import __version__
from vidrun.cli import (analyze_logs, demo, infer, make_demo_data, plot_curve, plot_lr, print_config, test,
                        train)
from vidrun.config import ConfigError
from vidrun.utils.dist import LaunchError

# Each subcommand module adds its own parser. They import torch, the models and the data only inside `run`, so
# that `vidrun --help` and a mistyped argument answer at once.
SUBCOMMANDS = [train, test, infer, demo, print_config, plot_lr, plot_curve, analyze_logs, make_demo_data]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vidrun", description="Train and test video action-recognition models from config files.")
    parser.add_argument("--version", action="version", version=f"vidrun {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Run one subcommand; a bad config, a missing file or a launcher that cannot be joined ends with a
    one-paragraph message and exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        code = args.run(args)
    except (ConfigError, FileNotFoundError, LaunchError) as error:
        print(f"vidrun: error: {error}", file=sys.stderr)
        code = 2
    sys.exit(code)
