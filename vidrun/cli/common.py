"""Arguments and steps that several subcommands share."""
from __future__ import annotations

import argparse

from vidrun.config import Config, parse_cfg_options


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """`CONFIG` and `--cfg-options key.path=value ...`."""
    parser.add_argument("config", metavar="CONFIG", help="config file (.py, .json, .yaml)")
    parser.add_argument(
        "--cfg-options", nargs="+", default=[], metavar="KEY=VALUE",
        help="override config keys: dotted paths, a number indexes a list "
             "(data.train.pipeline.0.type=X); values parse as int, float, bool, None, [list], (tuple) or str")


def load_config(args: argparse.Namespace) -> Config:
    """The config named on the command line, with `--cfg-options` merged in and validated."""
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(parse_cfg_options(args.cfg_options))
    return cfg
