"""Start-up: `vidrun --help`, `import vidrun.apis` beyond `import torch`, and `vidrun train` up to its first
iteration, each in fresh interpreters, the cases interleaved.

Python normally caches compiled modules (`__pycache__`); an environment with PYTHONDONTWRITEBYTECODE=1 (some
containers and CI images) compiles every vidrun module at every start instead. Both are measured: "cached"
runs with a bytecode cache in a temporary folder (PYTHONPYCACHEPREFIX, filled by one run first), "uncached"
with PYTHONDONTWRITEBYTECODE=1 and no cache. Time to the first iteration is read from the training log of the
demo config (`log_config.interval=1`): the first iteration's log time minus that iteration's own `time`,
measured from the moment the process was started (so it covers imports, config, model build, workers and
the first batch).

    python benchmarks/startup.py [--repeats 5] [--data data/demo] [--no-train]
"""
from __future__ import annotations

import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import machine

ROOT = Path(__file__).resolve().parents[1]
IMPORT_PROBE = ("import time; t0 = time.perf_counter(); import torch; t1 = time.perf_counter(); import vidrun.apis; "
                "t2 = time.perf_counter(); print(t1 - t0, t2 - t1)")
FIRST_ITER = re.compile(r"^(\S+ \S+) - vidrun - INFO - Epoch \[1\]\[1/\d+\].*?time: ([0-9.]+)", re.M)


def environment(cached: bool, cache_dir: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    env.update(PYTHONPYCACHEPREFIX=cache_dir) if cached else env.update(PYTHONDONTWRITEBYTECODE="1")
    return env


def help_time(env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "vidrun", "--help"], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def import_times(env: dict) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], env=env, check=True, capture_output=True, text=True)
    torch_s, apis_s = out.stdout.split()
    return float(torch_s), float(apis_s)


def first_iteration(env: dict, data: Path, work_dir: str) -> float:
    """Seconds from starting `vidrun train` (demo config, one epoch) to the start of its first iteration."""
    command = [sys.executable, "-m", "vidrun", "train", str(ROOT / "configs/demo/tsm_r18_demo.py"), "--work-dir",
               work_dir, "--cfg-options", "runner.max_epochs=1", "log_config.interval=1", "evaluation.interval=2",
               "checkpoint_config.interval=2"]
    started = datetime.datetime.now()
    process = subprocess.Popen(command, env=env, cwd=data.parent.parent, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    text = ""
    for line in process.stdout:
        text += line
        match = FIRST_ITER.search(text)
        if match:
            process.kill()
            break
    process.wait()
    if not match:
        raise RuntimeError(f"no first iteration in the log of {' '.join(command)}:\n{text[-2000:]}")
    logged = datetime.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f")
    return (logged - started).total_seconds() - float(match.group(2))


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", type=Path, default=ROOT / "data/demo", help="the demo set (vidrun make-demo-data)")
    parser.add_argument("--no-train", action="store_true", help="skip the time to the first iteration")
    args = parser.parse_args()
    train = not args.no_train and (args.data / "train.txt").is_file()
    print(f"{machine()}, {datetime.date.today()}, load average {os.getloadavg()[0]:.2f}, torch threads default")
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as cache_dir, tempfile.TemporaryDirectory() as work:
        import_times(environment(True, cache_dir))  # fills the bytecode cache, and warms the file-system cache
        if train:
            first_iteration(environment(True, cache_dir), args.data, f"{work}/warm-up")
        for repeat in range(args.repeats):
            for cached in (True, False):
                env, kind = environment(cached, cache_dir), "cached" if cached else "uncached"
                results.setdefault(f"vidrun --help ({kind})", []).append(help_time(env))
                torch_s, apis_s = import_times(env)
                results.setdefault(f"import torch ({kind})", []).append(torch_s)
                results.setdefault(f"import vidrun.apis beyond torch ({kind})", []).append(apis_s)
                if train:
                    results.setdefault(f"vidrun train to its first iteration ({kind})", []).append(
                        first_iteration(env, args.data, f"{work}/{kind}{repeat}"))
    for name, values in results.items():
        print(f"{name:52s} {summary(values)}")
    if not train:
        print("time to the first iteration: skipped (no demo set at --data, or --no-train)")


if __name__ == "__main__":
    main()
