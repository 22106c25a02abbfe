"""`vidrun test CONFIG CHECKPOINT ...`: score a trained model on the config's test set, in one process or, with
`--launcher pytorch|slurm`, in several (each scores a shard; rank 0 evaluates, prints and saves)."""
from __future__ import annotations

import argparse
import sys

from vidrun.cli.common import add_config_arguments, add_launcher_argument, join_launcher, load_config
from vidrun.config import Config
from vidrun.utils import barrier, get_dist_info, get_logger


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("test", help="test a trained model on the config's data.test",
                                   description="Score every video of data.test with a checkpoint, print the "
                                               "metrics and optionally save the per-video scores.")
    add_config_arguments(parser)
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="the checkpoint file")
    parser.add_argument("--eval", nargs="+", default=["top_k_accuracy", "mean_class_accuracy"], metavar="METRIC",
                        help="metrics (default: top_k_accuracy mean_class_accuracy)")
    parser.add_argument("--out", metavar="FILE.json", help="save each video's class scores here")
    parser.add_argument("--ema", choices=["auto", "on", "off"], default="auto",
                        help="a checkpoint written with an EMAHook: test the averaged weights (on), the training "
                             "weights (off), or (auto, the default) the averaged ones where the checkpoint "
                             "records which copy they are, else its parameters as saved")
    parser.add_argument("--average-clips", choices=["prob", "score", "none"],
                        help="how to merge a video's views (default: the config's test_cfg)")
    add_launcher_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    distributed = join_launcher(args, cfg)
    try:
        code = _test(args, cfg, distributed)
        barrier()  # leave together: under srun rank 0 holds the store that the others' shutdown still uses
        return code
    finally:
        if distributed:
            import torch.distributed as dist

            dist.destroy_process_group()


def _test(args: argparse.Namespace, cfg: Config, distributed: bool) -> int:
    from vidrun.apis.test import WeightsMismatchError, load_test_weights, metrics_table, save_results, test_model
    from vidrun.datasets import build_dataloader, build_dataset, dataloader_settings
    from vidrun.models import build_model
    from vidrun.runner.device import training_device

    model_cfg = cfg.model
    if args.average_clips:
        average = None if args.average_clips == "none" else args.average_clips
        model_cfg = dict(model_cfg, test_cfg=dict(model_cfg.get("test_cfg") or {}, average_clips=average))
    model = build_model(model_cfg, test_cfg=cfg.get("test_cfg"))
    try:
        load_test_weights(model, args.checkpoint, args.ema, get_logger())
    except WeightsMismatchError as error:  # never test with layers left at their random initialisation
        print(f"vidrun: error: {error}", file=sys.stderr)
        return 2
    model = model.to(training_device())  # this process's GPU (cuda:LOCAL_RANK) where there is one
    dataset = build_dataset(cfg.data.test, dict(test_mode=True))
    settings = dataloader_settings(cfg.data, "test", dist=distributed, seed=None)
    # Every video once, in order, whatever `data.test_dataloader` says: the results file and the gathering of
    # the ranks' shards rely on it.
    settings.update(shuffle=False, drop_last=False)
    results = test_model(model, build_dataloader(dataset, **settings), distributed=distributed)
    if get_dist_info()[0] != 0:
        return 0
    if args.out:
        save_results(args.out, dataset, results)
        print(f"per-video scores saved to {args.out}")
    options = dict((cfg.get("evaluation") or {}).get("metric_options") or {})
    metrics = dataset.evaluate(results, metrics=args.eval, metric_options=options or None)
    print(metrics_table(metrics))
    return 0
