"""Training throughput of the demo configs, decode → augment → model step, and the share of time spent waiting
for data.

For each demo config (TSM and TSN on ResNet-18, 8 segments of 56×56, batch 8) it trains on the generated demo
set (`make_demo_data`, 240 clips of 64×64, 16 frames) with the real stack: `Config.fromfile`, `build_model`,
`build_dataset`, `build_dataloader(**dataloader_settings(...))` and `build_optimizer`, in a plain loop — next
batch, `model.train_step`, `zero_grad`, `backward`, the config's gradient clipping, `step` — with
`workers_per_gpu` 0, 1 and 2 (the configs' own). A new pass starts when one ends; workers stay alive across
passes (`persistent_workers`, on by default), and one more setting turns that off, so the table shows what
persistence saves: the time of forking the workers and their first batches at every pass. After warm-up
iterations it counts clips/s and the share of wall time spent in `next(batches)`. Two cross-checks: the model
step alone on one batch held in memory (the bound if data were free), and `vidrun train` itself with the
config's loader settings (`time` and `data_time` from the TextLoggerHook's `.log.json`, the first epoch left
out as warm-up).

    python benchmarks/train_throughput.py [--iters 60] [--warmup 5] [--repeats 3] [--runner-epochs 3]
        [--configs TSM TSN] [--persistence-only] [--quick]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import av
import torch
from torch.nn.utils import clip_grad_norm_

from vidrun import Config
from vidrun.datasets import build_dataloader, build_dataset, dataloader_settings
from vidrun.datasets.demo_data import make_demo_data
from vidrun.models import build_model
from vidrun.runner import build_optimizer
from machine import machine  # benchmarks/machine.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {"TSM": ROOT / "configs/demo/tsm_r18_demo.py", "TSN": ROOT / "configs/demo/tsn_r18_demo.py"}
LOADERS = {"0 workers": (0, True), "1 worker": (1, True), "2 workers (config's)": (2, True),
           "2 workers, not persistent": (2, False)}  # label: (workers_per_gpu, persistent_workers)


def data_options(data_dir: Path, batch: int | None) -> dict:
    """The configs read `data/demo/...` relative to the working directory: point them at `data_dir`; `batch`
    replaces the configs' 8 clips a batch (`--quick` only)."""
    options = {"data.train.ann_file": str(data_dir / "train.txt"),
               "data.train.data_prefix": str(data_dir / "videos")}
    return options if batch is None else {**options, "data.videos_per_gpu": batch}


def load_config(path: Path, data_dir: Path, batch: int | None, workers: int = 0, persistent: bool = True
                ) -> Config:
    cfg = Config.fromfile(path)
    # `data.persistent_workers` is passed to build_dataloader by dataloader_settings
    options = {**data_options(data_dir, batch), "data.workers_per_gpu": workers, "data.persistent_workers": persistent}
    cfg.merge_from_dict(options)
    return cfg


def endless(loader) -> Iterator[dict]:
    """Batches pass after pass; starting a pass (workers' start-up) is part of waiting for its first batch."""
    while True:
        yield from loader


def build(cfg: Config) -> tuple:
    torch.manual_seed(0)
    model = build_model(cfg.model, train_cfg=cfg.get("train_cfg"), test_cfg=cfg.get("test_cfg"))
    model.train()
    dataset = build_dataset(cfg.data.train)
    loader = build_dataloader(dataset, **dataloader_settings(cfg.data, "train", dist=False, seed=cfg.get("seed")))
    return model, build_optimizer(model, cfg.optimizer), loader


def model_step(model, optimizer, batch: dict, grad_clip: dict | None) -> None:
    """What the runner's iteration does: `train_step`, then `OptimizerHook`'s zero_grad, backward, clip, step."""
    outputs = model.train_step(batch, optimizer)
    optimizer.zero_grad()
    outputs["loss"].backward()
    if grad_clip:
        clip_grad_norm_(model.parameters(), **grad_clip)
    optimizer.step()


def train_loop(cfg: Config, iters: int, warmup: int, in_memory: bool = False) -> dict:
    """clips/s, ms per iteration and ms waiting for the next batch over `iters` iterations after `warmup`.
    `in_memory`: every iteration reuses the first batch, so no time goes to data."""
    model, optimizer, loader = build(cfg)
    grad_clip = (cfg.get("optimizer_config") or {}).get("grad_clip")
    batches = endless(loader)
    first = next(batches)
    waited = clips = 0.0
    for i in range(warmup + iters):
        if i == warmup:
            waited, clips, start = 0.0, 0, time.perf_counter()
        before = time.perf_counter()
        batch = first if in_memory else next(batches)
        waited += time.perf_counter() - before
        clips += len(batch["imgs"])
        model_step(model, optimizer, batch, grad_clip)
    total = time.perf_counter() - start
    del batches, loader  # shuts the workers down before the next measurement starts its own
    return dict(rate=clips / total, iter_ms=total / iters * 1000, wait_ms=waited / iters * 1000,
                share=waited / total)


def runner_check(path: Path, data_dir: Path, epochs: int, work_dir: Path, batch: int | None) -> dict:
    """`vidrun train` with the config's loader settings for `epochs` epochs (no evaluation; checkpoints only at
    the end): the TextLoggerHook's means of `time` and `data_time`, the first epoch left out if there are more."""
    options = [f"{key}={value}" for key, value in data_options(data_dir, batch).items()]
    options += [f"runner.max_epochs={epochs}", "evaluation=None", f"checkpoint_config.interval={epochs}"]
    subprocess.run([sys.executable, "-m", "vidrun", "train", str(path), "--work-dir", str(work_dir),
                    "--cfg-options", *options], check=True, capture_output=True, text=True, cwd=work_dir.parent)
    log_file = next(work_dir.glob("*.log.json"))
    records = [json.loads(line) for line in log_file.read_text().splitlines()]
    records = [r for r in records if r.get("mode") == "train" and (epochs == 1 or r["epoch"] > 1)]
    step, data = (statistics.mean(r[key] for r in records) for key in ("time", "data_time"))
    batch = batch or Config.fromfile(path).data.videos_per_gpu
    return dict(rate=batch / step, iter_ms=step * 1000, wait_ms=data * 1000, share=data / step)


def progress(repeat: int, name: str, label: str, result: dict) -> dict:
    print(f"{time.strftime('%H:%M:%S')} repeat {repeat + 1}, {name}, {label}: {result['rate']:.1f} clips/s, "
          f"{result['share']:.1%} waiting; load average {os.getloadavg()[0]:.2f}", flush=True)
    return result


def measure(data_dir: Path, args: argparse.Namespace) -> dict[tuple[str, str], list[dict]]:
    """Every setting `repeats` times; the settings take turns within a repeat, so that load elsewhere on the
    machine hits them alike."""
    results: dict[tuple[str, str], list[dict]] = {}
    loaders = {label: setting for label, setting in LOADERS.items()
               if not args.persistence_only or label.startswith("2 workers")}
    for repeat in range(args.repeats):
        for name in args.configs:
            path = CONFIGS[name]
            for label, (workers, persistent) in loaders.items():
                cfg = load_config(path, data_dir, args.batch, workers, persistent)
                results.setdefault((name, label), []).append(progress(
                    repeat, name, label, train_loop(cfg, args.iters, args.warmup)))
            if args.persistence_only:
                continue
            label = "model step alone, batch in memory"
            cfg = load_config(path, data_dir, args.batch)
            results.setdefault((name, label), []).append(progress(
                repeat, name, label, train_loop(cfg, args.iters, args.warmup, True)))
    if args.runner_epochs:
        for name in args.configs:
            path = CONFIGS[name]
            work_dir = data_dir.parent / f"work_{name}"
            results[name, "`vidrun train`, 2 workers (log.json)"] = [
                runner_check(path, data_dir, args.runner_epochs, work_dir, args.batch)]
    return results


def print_table(results: dict[tuple[str, str], list[dict]]) -> None:
    print("\n| config | loader | clips/s (range) | ms / iteration | waiting for data, ms / iteration | "
          "share waiting |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for (name, label), runs in results.items():
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        rates = [run["rate"] for run in runs]
        spread = f" ({min(rates):.1f}–{max(rates):.1f})" if len(runs) > 1 else ""
        share = "—" if "in memory" in label else f"{median['share']:.1%}"
        wait = "—" if "in memory" in label else f"{median['wait_ms']:.1f}"
        print(f"| {name} | {label} | {median['rate']:.1f}{spread} | {median['iter_ms']:.0f} | {wait} | {share} |")
    for name in dict.fromkeys(name for name, _ in results):
        kept, forked = (statistics.median(run["iter_ms"] for run in results[name, label])
                        for label in ("2 workers (config's)", "2 workers, not persistent"))
        print(f"{name}: persistent workers save {1 - kept / forked:.1%} of the time per iteration "
              f"({forked:.0f} → {kept:.0f} ms), 2 workers")
        runner = results.get((name, "`vidrun train`, 2 workers (log.json)"))
        if runner:
            plain = statistics.median(run["rate"] for run in results[name, "2 workers (config's)"])
            print(f"{name}: clips/s ratio vidrun train / plain loop, 2 workers: {runner[0]['rate'] / plain:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=60, help="timed iterations per setting and repeat")
    parser.add_argument("--warmup", type=int, default=5, help="untimed iterations first")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of every setting (medians reported)")
    parser.add_argument("--runner-epochs", type=int, default=3, help="epochs of the `vidrun train` check; 0: none")
    parser.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--persistence-only", action="store_true",
                        help="only 2 workers, persistent (the default) and not: what persistence saves")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 16 clips, batch 2, 1 iteration")
    args = parser.parse_args()
    if args.quick:
        args.iters, args.warmup, args.repeats, args.runner_epochs = 1, 0, 1, 1
    args.batch = 2 if args.quick else None
    print(f"machine: {machine()}; date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d}; "
          f"torch {torch.__version__} ({torch.get_num_threads()} threads in the main process, 1 in a worker), "
          f"PyAV {av.__version__}; load average {os.getloadavg()[0]:.2f} before the run")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "demo"
        make_demo_data(data_dir, num_train=16 if args.quick else 240, num_val=2 if args.quick else 60)
        results = measure(data_dir, args)
    print_table(results)
    print(f"\n{args.iters} timed iterations after {args.warmup} warm-up ones, batch {args.batch or 8}; "
          f"median of {args.repeats} repeats (range: clips/s of the single repeats); "
          f"load average {os.getloadavg()[0]:.2f} after the run")


if __name__ == "__main__":
    main()
