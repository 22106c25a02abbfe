"""What each experiment-tracking logger hook costs a training iteration, and what it costs once per run.

Trains a tiny linear classifier with `EpochBasedRunner` and the default hooks (fixed lr, `OptimizerHook` with
the demo's gradient clipping, `IterTimerHook`) under `log_config` with no logger, each of `TextLoggerHook`,
`TensorboardLoggerHook`, `MlflowLoggerHook` (SQLite store in the work dir) and `WandbLoggerHook` (offline)
alone, and all four, at the given intervals. Each record carries the TSM demo's values (loss_cls, top1_acc,
top5_acc, loss, grad_norm, time, data_time, lr, momentum), the run's meta holds the demo config (logged as
parameters by MLflow and W&B), and the work dir holds a checkpoint of the demo model's size (MLflow's
`log_model` copies it at the end). An iteration of the tiny model takes well under a millisecond, so the
loggers' cost is what the figures show.

Every run is a fresh process, as a training run is: it pays the back-ends' imports when the hooks are built,
their set-up in `before_run` (MLflow's database, `wandb.init` and W&B's service process) and their wrap-up in
`after_run`, timed separately from the `--iters` timed iterations (after `--warmup` untimed ones). CPU time
counts every thread of the run and its child processes (W&B's service). The settings take turns within each
repeat; the extra cost of a logger is its difference to the run without logger of the same repeat. W&B is
offline and everything, W&B's and MLflow's settings and caches included, lies in a temporary directory.

    python benchmarks/logger_overhead.py [--iters 1000] [--repeats 5] [--warmup 20] [--intervals 1 10]
"""
from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from vidrun import Config
from vidrun.models import build_model
from vidrun.models.recognizers.base import parse_losses
from vidrun.runner import EpochBasedRunner, Hook
from vidrun.utils import get_logger
from machine import machine  # benchmarks/machine.py, beside this script

DEMO_CONFIG = Path(__file__).resolve().parents[1] / "configs/demo/tsm_r18_demo.py"
DEMO_ITER_MS = 230.0  # a TSM demo iteration on the 2-core machine (train_throughput.py in README.md: 227-245)
TIMESTAMP = "20261125_120000"
TRACKERS = {"text": dict(type="TextLoggerHook"), "tensorboard": dict(type="TensorboardLoggerHook"),
            "mlflow": dict(type="MlflowLoggerHook"), "wandb": dict(type="WandbLoggerHook")}
SETTINGS = {"none": [], **{name: [cfg] for name, cfg in TRACKERS.items()}, "all four": list(TRACKERS.values())}


class TinyRecognizer(nn.Module):
    """A linear classifier whose `train_step` returns what a recognizer's does (loss_cls, top1_acc, top5_acc
    and loss to log), so the records have the demo's keys at almost no compute."""

    def __init__(self, features: int = 32, classes: int = 6):
        super().__init__()
        self.fc = nn.Linear(features, classes)

    def train_step(self, batch: list, optimizer=None) -> dict:
        x, labels = batch
        scores = self.fc(x)
        hits = scores.detach().topk(5, dim=1).indices == labels[:, None]
        losses = {"top1_acc": hits[:, 0].float().mean(), "top5_acc": hits.any(dim=1).float().mean(),
                  "loss_cls": nn.functional.cross_entropy(scores, labels)}
        loss, log_vars = parse_losses(losses)
        return {"loss": loss, "log_vars": log_vars, "num_samples": len(x)}


class Clock(Hook):
    """Registered at LOWEST priority, after the loggers: notes when `before_run` is done, when each train
    iteration ends, the CPU time at the ends of the timed window (iterations `warmup + 1` to `warmup + iters`)
    and when the epoch ends."""

    def __init__(self, warmup: int, iters: int):
        self.warmup, self.iters = warmup, iters
        self.marks: dict[str, float] = {}
        self.ends: list[float] = []

    def before_run(self, runner) -> None:
        self.marks["before_run done"] = time.perf_counter()

    def after_train_iter(self, runner) -> None:
        done = runner.iter + 1
        if done == self.warmup:  # reading /proc (about a millisecond) falls outside the window at both ends
            self.marks["children start"], self.marks["cpu start"] = children_cpu_s(), time.process_time()
        self.ends.append(time.perf_counter())
        if done == self.warmup + self.iters:
            self.marks["cpu end"], self.marks["children end"] = time.process_time(), children_cpu_s()

    def after_train_epoch(self, runner) -> None:
        self.marks["loop done"] = time.perf_counter()


def children_cpu_s() -> float:
    """CPU seconds of this process's live child processes (W&B's service), from /proc; 0 without /proc."""
    total, me, tick = 0.0, str(os.getpid()), os.sysconf("SC_CLK_TCK")
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()  # after the command name
        except OSError:
            continue  # ended meanwhile
        if fields[1] == me:  # ppid; utime and stime are fields 14 and 15 of the line
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run_once(setting: str, interval: int, iters: int, warmup: int, work_dir: Path) -> dict:
    """One training run in this process; the timings of `summary`."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    samples = (warmup + iters) * 8
    loader = DataLoader(TensorDataset(torch.randn(samples, 32), torch.randint(0, 6, (samples,))), batch_size=8)
    model = TinyRecognizer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, weight_decay=1e-4)
    meta = dict(config=Config.fromfile(DEMO_CONFIG).pretty_text, exp_name=DEMO_CONFIG.name, seed=0)
    logger = get_logger("vidrun", work_dir / f"{TIMESTAMP}.log")
    runner = EpochBasedRunner(model, optimizer, str(work_dir), logger, meta=meta, max_epochs=1)
    runner.timestamp = TIMESTAMP
    start = time.perf_counter()
    runner.register_training_hooks(dict(policy="fixed"), dict(grad_clip=dict(max_norm=20, norm_type=2)), None,
                                   dict(interval=interval, hooks=SETTINGS[setting]))
    built = time.perf_counter()
    clock = Clock(warmup, iters)
    runner.register_hook(clock, "LOWEST")
    runner.run([loader], [("train", 1)])
    return summary(clock, interval, warmup, build_s=built - start, before_run_s=clock.marks["before_run done"] - built,
                   after_run_s=time.perf_counter() - clock.marks["loop done"])


def summary(clock: Clock, interval: int, warmup: int, **one_off: float) -> dict:
    """ms per timed iteration (wall, CPU of this process, of its children), the mean wall time of the timed
    iterations that wrote a record and of those that did not, and the one-off seconds."""
    marks, ends = clock.marks, clock.ends
    durations = [(b - a) * 1000 for a, b in zip(ends[warmup - 1:], ends[warmup:])]
    logged = [d for i, d in enumerate(durations, warmup + 1) if i % interval == 0]
    unlogged = [d for i, d in enumerate(durations, warmup + 1) if i % interval]
    return dict(one_off, wall_ms=statistics.mean(durations),
                cpu_ms=(marks["cpu end"] - marks["cpu start"]) * 1000 / len(durations),
                children_ms=(marks["children end"] - marks["children start"]) * 1000 / len(durations),
                logged_ms=statistics.mean(logged), unlogged_ms=statistics.mean(unlogged) if unlogged else None)


def write_checkpoint(path: Path) -> float:
    """A checkpoint of the TSM demo model with SGD momentum, as `CheckpointHook` would save it; its MiB."""
    model = build_model(Config.fromfile(DEMO_CONFIG).model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    for parameter in model.parameters():
        parameter.grad = torch.zeros_like(parameter)
    optimizer.step()  # creates the momentum buffers
    torch.save({"meta": {"epoch": 12}, "state_dict": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
    return path.stat().st_size / 2**20


def isolated_env(tmp: Path) -> dict[str, str]:
    """The runs' environment: W&B offline; HOME, TMPDIR, the XDG dirs and W&B's settings, cache and staging dirs
    inside `tmp`; no W&B or MLflow variables of the caller's (keys, URIs); MLflow's telemetry off, so nothing
    tries to leave the machine (MLflow turns it off under pytest and CI by itself)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "MLFLOW_")) and k != "NETRC"}
    dirs = dict(HOME="home", TMPDIR="tmp", XDG_CONFIG_HOME="home/.config", XDG_CACHE_HOME="home/.cache",
                XDG_DATA_HOME="home/.local/share", WANDB_DIR="wandb", WANDB_CONFIG_DIR="wandb/config",
                WANDB_CACHE_DIR="wandb/cache", WANDB_DATA_DIR="wandb/data", WANDB_ARTIFACT_DIR="wandb/artifacts")
    for key, sub in dirs.items():
        (tmp / sub).mkdir(parents=True, exist_ok=True)
        env[key] = str(tmp / sub)
    return dict(env, WANDB_MODE="offline", MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true")


def spawn(setting: str, interval: int, args: argparse.Namespace, tmp: Path, env: dict) -> dict:
    """`run_once` in a fresh process with the work dir `tmp/run` (the checkpoint linked in), then removed."""
    run_dir = tmp / "run"
    (run_dir / "work").mkdir(parents=True)
    os.link(tmp / "latest.pth", run_dir / "work/latest.pth")
    command = [sys.executable, str(Path(__file__).resolve()), "--run", setting, "--intervals", str(interval),
               "--iters", str(args.iters), "--warmup", str(args.warmup), "--work-dir", str(run_dir / "work")]
    with open(run_dir / "console.txt", "w") as console:
        done = subprocess.run(command, env=env, cwd=run_dir, stdout=console, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        sys.exit(f"{setting}, interval {interval} failed:\n{(run_dir / 'console.txt').read_text()[-3000:]}")
    result = json.loads((run_dir / "work/result.json").read_text())
    shutil.rmtree(run_dir)
    return result


def measure(args: argparse.Namespace, tmp: Path, env: dict) -> dict[tuple[str, int], list[dict]]:
    """Every setting at every interval, `repeats` times; a setting's extra cost is taken against the run
    without logger of the same repeat and interval. The order rotates each repeat, so drift hits all alike."""
    results: dict[tuple[str, int], list[dict]] = {}
    names = list(SETTINGS)
    for repeat in range(args.repeats):
        order = names[repeat % len(names):] + names[:repeat % len(names)]
        for interval in args.intervals:
            runs = {}
            for name in order:
                runs[name] = run = spawn(name, interval, args, tmp, env)
                print(f"{time.strftime('%H:%M:%S')} repeat {repeat + 1}, interval {interval}, {name}: "
                      f"{run['wall_ms']:.3f} ms/iter, CPU {run['cpu_ms'] + run['children_ms']:.3f} ms/iter; "
                      f"load average {os.getloadavg()[0]:.2f}", flush=True)
            base = runs["none"]
            for name in names:
                run = runs[name]
                run["extra_ms"] = run["wall_ms"] - base["wall_ms"]
                run["extra_cpu_ms"] = run["cpu_ms"] + run["children_ms"] - base["cpu_ms"] - base["children_ms"]
                results.setdefault((name, interval), []).append(run)
    return results


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def print_tables(results: dict[tuple[str, int], list[dict]]) -> None:
    print("\n| loggers | interval | ms / iteration | extra ms / iteration (range) | extra CPU ms / iteration | "
          f"ms / record | share of a {DEMO_ITER_MS:.0f} ms iteration |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (name, interval), runs in results.items():
        extras = [run["extra_ms"] for run in runs]
        row = "| — | — | — |" if name == "none" else (
            f"| {median(runs, 'extra_ms'):.3f} ({min(extras):.3f} to {max(extras):.3f}) | "
            f"{median(runs, 'extra_cpu_ms'):.3f} | {median(runs, 'extra_ms') * interval:.2f} |")
        share = "—" if name == "none" else f"{median(runs, 'extra_ms') / DEMO_ITER_MS:.2%}"
        print(f"| {name} | {interval} | {median(runs, 'wall_ms'):.3f} {row} {share} |")
    print("\n| loggers | interval | iteration writing a record, ms | other iterations, ms | build hooks (imports), s "
          "| before_run, s | after_run, s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (name, interval), runs in results.items():
        other = "—" if interval == 1 else f"{median(runs, 'unlogged_ms'):.3f}"
        print(f"| {name} | {interval} | {median(runs, 'logged_ms'):.3f} | {other} | {median(runs, 'build_s'):.3f} | "
              f"{median(runs, 'before_run_s'):.3f} | {median(runs, 'after_run_s'):.3f} |")


def verdict(results: dict[tuple[str, int], list[dict]], interval: int) -> str:
    """The largest share of a demo iteration one logger alone adds, that of all four, and at the demo's
    intervals (10 and more) the target: every logger alone under 1%."""
    shares = {name: median(runs, "extra_ms") / DEMO_ITER_MS for (name, i), runs in results.items()
              if i == interval and name != "none"}
    alone = {name: share for name, share in shares.items() if name != "all four"}
    worst = max(alone, key=alone.get)
    text = (f"interval {interval}: largest logger alone {worst}, {alone[worst]:.2%} of a {DEMO_ITER_MS:.0f} ms "
            f"iteration; all four {shares['all four']:.2%}")
    if interval < 10:
        return text + " (worst case; the target is for the demo's intervals, 10 and more)"
    return text + f"; target every logger alone < 1%: {'met' if alone[worst] < 0.01 else 'NOT met'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=1000, help="timed iterations per run")
    parser.add_argument("--warmup", type=int, default=20, help="untimed iterations first")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of every setting (medians reported)")
    parser.add_argument("--intervals", type=int, nargs="+", default=[1, 10], help="log_config intervals")
    parser.add_argument("--run", choices=SETTINGS, help=argparse.SUPPRESS)  # one run, in a child process
    parser.add_argument("--work-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if any(args.iters % i or args.warmup % i or i < 1 for i in args.intervals):
        parser.error("--iters and --warmup must be multiples of every interval, so each run logs alike")
    if args.run:
        result = run_once(args.run, args.intervals[0], args.iters, args.warmup, args.work_dir)
        (args.work_dir / "result.json").write_text(json.dumps(result))
        return
    print(f"machine: {machine()}; date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d}; torch "
          f"{torch.__version__} (1 thread), tensorboard {version('tensorboard')}, mlflow {version('mlflow')}, "
          f"wandb {version('wandb')}; load average {os.getloadavg()[0]:.2f} before the run")
    with tempfile.TemporaryDirectory(prefix="logger_overhead_") as tmp:
        size = write_checkpoint(Path(tmp) / "latest.pth")
        print(f"work dirs in {tmp}; checkpoint of the demo model {size:.1f} MiB", flush=True)
        results = measure(args, Path(tmp), isolated_env(Path(tmp)))
    print_tables(results)
    print(f"\n{args.iters} timed iterations after {args.warmup} warm-up ones per run; medians of {args.repeats} "
          f"repeats; 'extra' is against the run without logger of the same repeat; ms / record = extra × "
          f"interval; load average {os.getloadavg()[0]:.2f} after the run")
    for interval in args.intervals:
        print(verdict(results, interval))


if __name__ == "__main__":
    main()
