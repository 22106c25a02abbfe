"""`vidrun make-demo-data DIR`: write the generated demo video set (see `vidrun.datasets.demo_data`)."""
from __future__ import annotations

import argparse
import sys
import time

from vidrun.cli.common import positive_int


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "make-demo-data", help="write the demo video set (moving shapes, real H.264 MP4 clips)",
        description="Write DIR/videos/*.mp4, DIR/train.txt, DIR/val.txt and DIR/classes.txt: clips of a shape "
                    "moving left or right, whose class is the shape and the direction, so that a model with "
                    "temporal modelling beats one that averages frames. The same seed gives the same files.")
    parser.add_argument("dir", metavar="DIR", help="where to write the set (created if missing)")
    parser.add_argument("--num-train", type=positive_int, default=240, help="training clips (default: 240)")
    parser.add_argument("--num-val", type=positive_int, default=60, help="validation clips (default: 60)")
    parser.add_argument("--seed", type=int, default=0, help="the set's seed (default: 0)")
    parser.add_argument("--size", type=int, help="frame width and height in pixels (default: the demo set's)")
    parser.add_argument("--num-frames", type=int, help="frames per clip (default: the demo set's)")
    parser.add_argument("--rawframes", action="store_true",
                        help="also write every clip as a folder of JPEG frames for RawframeDataset")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vidrun.datasets.demo_clips import ClipSpec
    from vidrun.datasets.demo_data import make_demo_data

    start = time.perf_counter()
    chosen = dict(size=args.size, num_frames=args.num_frames)
    try:
        spec = ClipSpec(**{key: value for key, value in chosen.items() if value is not None})
    except ValueError as error:
        print(f"vidrun make-demo-data: error: {error}", file=sys.stderr)
        return 2
    meta = make_demo_data(args.dir, args.num_train, args.num_val, args.seed, spec, args.rawframes)
    print(f"wrote {meta['num_train']} training and {meta['num_val']} validation clips "
          f"({len(meta['classes'])} classes, {spec.size}x{spec.size}, {spec.num_frames} frames) to {args.dir} "
          f"in {time.perf_counter() - start:.1f} s")
    return 0
