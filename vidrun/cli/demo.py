"""`vidrun demo`: make the demo video set if missing, train the temporal demo model on it, test the best
checkpoint, and say where everything is."""
from __future__ import annotations

import argparse
import glob
import os
import time
from pathlib import Path

import vidrun
from vidrun.config import Config

DATA_DIR = "data/demo"  # the demo configs read their data here, relative to the working directory
CONFIG = Path(vidrun.__file__).resolve().parents[1] / "configs" / "demo" / "tsm_r18_demo.py"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="make the demo data, train and test the demo model (a few minutes on a CPU)",
        description=f"Write the demo video set to {DATA_DIR}/ if it is not there, train "
                    f"configs/demo/tsm_r18_demo.py on it with validation, test the best checkpoint, and print "
                    f"where the logs, scores and checkpoints are.")
    parser.add_argument("--work-dir", default="work_dirs/demo", help="where logs and checkpoints go "
                                                                     "(default: work_dirs/demo)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vidrun.cli.main import build_parser  # the train and test commands, parsed as if typed
    from vidrun.datasets.demo_data import demo_data_exists, make_demo_data

    if not CONFIG.is_file():
        raise FileNotFoundError(f"the demo config {CONFIG} is missing: vidrun demo runs from a source checkout "
                                f"(pip install -e .)")
    start = time.perf_counter()
    if not demo_data_exists(DATA_DIR):
        meta = make_demo_data(DATA_DIR)
        print(f"wrote the demo set to {DATA_DIR}/ ({meta['num_train']} training, {meta['num_val']} validation "
              f"clips)")
    parser = build_parser()
    train = parser.parse_args(["train", str(CONFIG), "--work-dir", args.work_dir, "--validate"])
    train.run(train)
    best = sorted(glob.glob(os.path.join(args.work_dir, "best_top1_acc_epoch_*.pth")), key=os.path.getmtime)
    checkpoint = best[-1] if best else os.path.join(args.work_dir, "latest.pth")
    scores = os.path.join(args.work_dir, "test_scores.json")
    test = parser.parse_args(["test", str(CONFIG), checkpoint, "--out", scores])
    test.run(test)
    logs = sorted(glob.glob(os.path.join(args.work_dir, "*.log.json")))
    curve, lr = draw_pictures(logs[-1], args.work_dir)
    print(f"\ndemo done in {time.perf_counter() - start:.0f} s\n"
          f"  checkpoint tested: {checkpoint}\n"
          f"  per-video scores:  {scores}\n"
          f"  logs:              {logs[-1][:-5]} (and .log.json, one JSON line "
          f"per log entry, for plotting)\n"
          f"  pictures:          {curve} (loss and top1_acc, train and val), {lr} (the lr schedule)\n"
          f"  resolved config:   {os.path.join(args.work_dir, CONFIG.name)}\n"
          f"try: vidrun infer {CONFIG.relative_to(Path.cwd()) if CONFIG.is_relative_to(Path.cwd()) else CONFIG} "
          f"{checkpoint} {DATA_DIR}/videos/val_0001.mp4 --label-map {DATA_DIR}/classes.txt")
    return 0


def draw_pictures(log: str, work_dir: str) -> tuple[str, str]:
    """`curve.png` (loss and top1_acc of the run's log) and `lr.png` (the demo config's lr schedule, with
    the iterations per epoch of its data) in `work_dir`; their paths."""
    from vidrun.apis.figures import draw_curves, draw_schedule, save_figure
    from vidrun.apis.log_curves import load_log
    from vidrun.apis.schedule_trace import iters_per_epoch_of, trace_schedule

    curve, lr = os.path.join(work_dir, "curve.png"), os.path.join(work_dir, "lr.png")
    save_figure(draw_curves([load_log(log)], ["loss", "top1_acc"], title=f"vidrun demo: {CONFIG.name}"), curve)
    cfg = Config.fromfile(str(CONFIG))
    save_figure(draw_schedule(trace_schedule(cfg, iters_per_epoch_of(cfg)), f"lr schedule of {CONFIG.name}"), lr)
    return curve, lr
