"""`vidrun print-config CONFIG [--cfg-options ...]`: the fully merged config, as a loadable `.py` file."""
from __future__ import annotations

import argparse

from vidrun.cli.common import add_config_arguments, load_config


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "print-config", help="print the merged config (bases, references and --cfg-options applied)",
        description="Print the config after merging its _base_ files, resolving {{_base_.x}} references and "
                    "applying --cfg-options, as Python that `vidrun` loads back to the same values.")
    add_config_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(load_config(args).pretty_text, end="")
    return 0
