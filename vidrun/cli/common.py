"""Arguments and steps that several subcommands share."""
from __future__ import annotations

import argparse

from vidrun.config import Config, parse_cfg_options
from vidrun.utils.dist import LAUNCHERS, init_dist


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


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


def add_launcher_argument(parser: argparse.ArgumentParser) -> None:
    """`--launcher none|pytorch|slurm`."""
    parser.add_argument("--launcher", choices=LAUNCHERS, default="none",
                        help="how the processes were started: none (one process), pytorch (torchrun) or slurm "
                             "(srun); the backend and timeout come from the config's dist_params")


def join_launcher(args: argparse.Namespace, cfg: Config) -> bool:
    """Join the process group of `--launcher` with the config's `dist_params`; whether the run is distributed.
    A process not started by torchrun or srun is a `LaunchError` saying how to start it (exit code 2, no
    traceback); other failures (a rendezvous that times out, a CUDA device that is missing) keep theirs."""
    if args.launcher == "none":
        return False
    init_dist(args.launcher, **dict(cfg.get("dist_params") or {}))
    return True
