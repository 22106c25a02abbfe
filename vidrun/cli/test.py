"""`vidrun test CONFIG CHECKPOINT ...`: score a trained model on the config's test set."""
from __future__ import annotations

import argparse

from vidrun.apis.test import metrics_table, save_results, test_model
from vidrun.cli.common import add_config_arguments, load_config
from vidrun.datasets import build_dataloader, build_dataset, dataloader_settings
from vidrun.models import build_model
from vidrun.runner import load_checkpoint


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("test", help="test a trained model on the config's data.test",
                                   description="Score every video of data.test with a checkpoint, print the "
                                               "metrics and optionally save the per-video scores.")
    add_config_arguments(parser)
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="the checkpoint file")
    parser.add_argument("--eval", nargs="+", default=["top_k_accuracy", "mean_class_accuracy"], metavar="METRIC",
                        help="metrics (default: top_k_accuracy mean_class_accuracy)")
    parser.add_argument("--out", metavar="FILE.json", help="save each video's class scores here")
    parser.add_argument("--average-clips", choices=["prob", "score", "none"],
                        help="how to merge a video's views (default: the config's test_cfg)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    model_cfg = cfg.model
    if args.average_clips:
        average = None if args.average_clips == "none" else args.average_clips
        model_cfg = dict(model_cfg, test_cfg=dict(model_cfg.get("test_cfg") or {}, average_clips=average))
    model = build_model(model_cfg, test_cfg=cfg.get("test_cfg"))
    load_checkpoint(model, args.checkpoint)
    dataset = build_dataset(cfg.data.test, dict(test_mode=True))
    loader = build_dataloader(dataset, **dataloader_settings(cfg.data, "test", dist=False, seed=None))
    results = test_model(model, loader)
    if args.out:
        save_results(args.out, dataset, results)
        print(f"per-video scores saved to {args.out}")
    options = dict((cfg.get("evaluation") or {}).get("metric_options") or {})
    metrics = dataset.evaluate(results, metrics=args.eval, metric_options=options or None)
    print(metrics_table(metrics))
    return 0
