"""What a mid-epoch resume costs before its first batch, at 10 % and at 90 % of a long epoch.

Builds the demo TSN config's training loader (`build_dataloader(**dataloader_settings(...))`, real clips
decoded and augmented) over a generated demo set, and measures, from `LoaderCursor.load_state_dict` to the
resumed pass's first batch: the jump that `build_dataloader`'s sampler allows (it starts at the position and
reads nothing before it) and, for comparison, the replay that a loader without it needs (the same loader with
a sampler that cannot start anywhere: the cursor reads and drops every batch before the position, as vidrun
did before). The settings take turns in every repeat, in the other order every other repeat, so that load
elsewhere on the machine hits them alike; medians are printed.

    python benchmarks/mid_epoch_resume.py [--clips 240] [--workers 0] [--repeats 4] [--quick]
"""
from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Sampler

from vidrun import Config
from vidrun.datasets import build_dataloader, build_dataset, dataloader_settings
from vidrun.datasets.demo_data import make_demo_data
from vidrun.runner.loader_cursor import LoaderCursor
from vidrun.runner.rng import capture_rng

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine  # noqa: E402 - benchmarks/machine.py, beside this script

CONFIG = Path(__file__).resolve().parents[1] / "configs/demo/tsn_r18_demo.py"


class CannotJump(Sampler):
    """`sampler` without `start_at`: the cursor must replay the pass up to its position."""

    def __init__(self, sampler: Sampler):
        self.sampler = sampler

    def __len__(self) -> int:
        return len(self.sampler)

    def __iter__(self):
        return iter(self.sampler)

    def set_epoch(self, epoch: int) -> None:
        self.sampler.set_epoch(epoch)


def loader(data_dir: Path, workers: int, jump: bool):
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict({"data.train.ann_file": str(data_dir / "train.txt"),
                         "data.train.data_prefix": str(data_dir / "videos"), "data.workers_per_gpu": workers})
    built = build_dataloader(build_dataset(cfg.data.train), **dataloader_settings(cfg.data, "train", dist=False,
                                                                                 seed=0))
    if jump:
        return built
    return DataLoader(built.dataset, batch_size=built.batch_size, sampler=CannotJump(built.sampler),
                      num_workers=built.num_workers, collate_fn=built.collate_fn)


def seconds_to_first_batch(data_dir: Path, workers: int, jump: bool, fraction: float) -> tuple[float, int]:
    cursor = LoaderCursor(loader(data_dir, workers, jump))
    position = int(fraction * len(cursor))
    state = {"passes": 1, "position": position, "pass_rng": capture_rng()}  # as a checkpoint holds it
    start = time.perf_counter()
    cursor.load_state_dict(state)
    cursor.next_batch()
    return time.perf_counter() - start, position


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=240, help="clips in the epoch (8 a batch)")
    parser.add_argument("--workers", type=int, default=0, help="loader workers")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 32 clips, 1 repeat")
    args = parser.parse_args()
    if args.quick:
        args.clips, args.repeats = 32, 1
    print(f"machine: {machine()}; date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d}; torch "
          f"{torch.__version__}; load average {os.getloadavg()[0]:.2f} before the run")
    times: dict[tuple[str, float], list[float]] = {}
    positions = {}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "demo"
        make_demo_data(data_dir, num_train=args.clips, num_val=2)
        for repeat in range(args.repeats):
            for fraction in (0.1, 0.9) if repeat % 2 == 0 else (0.9, 0.1):  # neither always goes first
                for how, jump in (("jump", True), ("replay", False)):
                    seconds, positions[fraction] = seconds_to_first_batch(data_dir, args.workers, jump, fraction)
                    times.setdefault((how, fraction), []).append(seconds)
    print("\n| resumed at | batch | jump (vidrun), s | replay (before), s |")
    print("| --- | ---: | ---: | ---: |")
    for fraction in (0.1, 0.9):
        jump, replay = (statistics.median(times[how, fraction]) for how in ("jump", "replay"))
        print(f"| {fraction:.0%} | {positions[fraction]} of {args.clips // 8} | {jump:.2f} | {replay:.2f} |")
    ratio = statistics.median(times["jump", 0.9]) / statistics.median(times["jump", 0.1])
    print(f"\njump at 90 % / jump at 10 %: ratio {ratio:.2f}; {args.workers} workers, median of {args.repeats} "
          f"repeats; load average {os.getloadavg()[0]:.2f} after the run")


if __name__ == "__main__":
    main()
