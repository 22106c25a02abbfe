"""`vidrun infer CONFIG CHECKPOINT VIDEO... [--label-map FILE] [--topk 5]`: the top classes of each video."""
from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("infer", help="print the top classes of videos with a trained model",
                                   description="Read each video with the config's test pipeline and print its "
                                               "best classes and their scores.")
    parser.add_argument("config", metavar="CONFIG", help="config file")
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="the checkpoint file")
    parser.add_argument("videos", metavar="VIDEO", nargs="+", help="video files")
    parser.add_argument("--label-map", metavar="FILE", help="class names, one a line (e.g. data/demo/classes.txt)")
    parser.add_argument("--topk", type=int, default=5, help="how many classes to print (default: 5)")
    parser.add_argument("--device", default="cpu", help="torch device (default: cpu)")
    parser.add_argument("--cfg-options", nargs="+", default=[], metavar="KEY=VALUE", help="override config keys")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vidrun.apis.inference import inference_recognizer, init_recognizer, read_label_map
    from vidrun.apis.test import WeightsMismatchError

    try:
        model = init_recognizer(args.config, args.checkpoint, args.device, args.cfg_options)
    except WeightsMismatchError as error:  # a model with random layers would print meaningless classes
        print(f"vidrun: error: {error}", file=sys.stderr)
        return 2
    names = read_label_map(args.label_map) if args.label_map else None
    for video in args.videos:
        print(video)
        for rank, (index, score) in enumerate(inference_recognizer(model, video)[:args.topk], start=1):
            name = names[index] if names and index < len(names) else f"class {index}"
            print(f"  {rank}. {name:<28} {score:.4f}")
    return 0
