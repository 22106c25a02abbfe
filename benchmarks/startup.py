"""Start-up: `vidrun --help`, `import vidrun.apis` beyond `import torch`, and `vidrun train` up to its first
iteration, each in fresh interpreters, the cases interleaved; optionally MMAction2's `import mmaction.apis` and
`tools/train.py` on the same demo config, for comparison.

Python normally caches compiled modules (`__pycache__`); an environment with PYTHONDONTWRITEBYTECODE=1 (some
containers and CI images) compiles every module at every start instead. Both are measured: "cached" runs with
a bytecode cache in a temporary folder (PYTHONPYCACHEPREFIX, filled by one run first), "uncached" with
PYTHONDONTWRITEBYTECODE=1 and no cache. Time to the first iteration is read from the training log of the demo
config (`log_config.interval=1`): the first iteration's log time minus that iteration's own `time`, measured
from the moment the process was started (so it covers imports, config, model build, workers and the first
batch).

With `--mmaction2 ROOT --mmaction2-python PYTHON` (an MMAction2 0.24 source tree, and the interpreter of an
environment with mmcv 1.x and its requirements), MMAction2 runs the same demo config, with the runtime keys
its `tools/train.py` reads (`total_epochs`, `dist_params`, ...) added in a temporary copy.

    python benchmarks/startup.py [--repeats 5] [--data data/demo] [--no-train] [--mmaction2 ROOT --mmaction2-python PY]
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
from dataclasses import dataclass
from pathlib import Path

from machine import machine

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "configs/demo/tsm_r18_demo.py"
IMPORT_PROBE = ("import time; t0 = time.perf_counter(); import torch; t1 = time.perf_counter(); import {module}; "
                "t2 = time.perf_counter(); print(t1 - t0, t2 - t1)")
FIRST_ITER = re.compile(r"(\S+ \S+) - (?:vidrun|mmaction) - INFO - Epoch \[1\]\[1/\d+\].*?time: ([0-9.]+)")
MMACTION2_RUNTIME = """
dist_params = dict(backend='nccl')
log_level = 'INFO'
load_from = None
resume_from = None
workflow = [('train', 1)]
total_epochs = 1
"""


@dataclass
class Tool:
    name: str
    python: str
    apis: str                   # the module every command imports
    train: list[str]            # the train command before its work-dir arguments
    pythonpath: str | None = None

    def environment(self, cached: bool, cache_dir: str) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
        if cached:
            env["PYTHONPYCACHEPREFIX"] = f"{cache_dir}/{self.name}"
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath
        return env


def vidrun_tool() -> Tool:
    return Tool("vidrun", sys.executable, "vidrun.apis",
                [sys.executable, "-m", "vidrun", "train", str(DEMO), "--cfg-options", "runner.max_epochs=1",
                 "log_config.interval=1", "evaluation.interval=2", "checkpoint_config.interval=2", "--work-dir"])


def mmaction2_tool(root: Path, python: str, folder: str) -> Tool:
    """MMAction2's tools/train.py on the demo config, whose pipeline and model MMAction2 0.24 reads as it is."""
    config = Path(folder) / "tsm_r18_demo_mmaction2.py"
    text = DEMO.read_text().replace("_base_ = ['../_base_/default_runtime.py']\n", "")
    config.write_text(text + MMACTION2_RUNTIME)
    return Tool("mmaction2", python, "mmaction.apis",
                [python, str(root / "tools/train.py"), str(config), "--gpus", "1", "--cfg-options",
                 "log_config.interval=1", "checkpoint_config.interval=2", "--work-dir"], pythonpath=str(root))


def help_time(env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "vidrun", "--help"], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def import_times(tool: Tool, env: dict) -> tuple[float, float]:
    out = subprocess.run([tool.python, "-c", IMPORT_PROBE.format(module=tool.apis)], env=env, check=True,
                         capture_output=True, text=True)
    torch_s, apis_s = out.stdout.split()
    return float(torch_s), float(apis_s)


def first_iteration(tool: Tool, env: dict, data: Path, work_dir: str) -> float:
    """Seconds from starting the tool's train command (demo config) to the start of its first iteration."""
    command = tool.train + [work_dir]
    started = datetime.datetime.now()
    process = subprocess.Popen(command, env=env, cwd=data.parent.parent, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    text, match = "", None
    for line in process.stdout:
        text += line
        match = FIRST_ITER.match(line)
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


def measure(tools: list[Tool], args, train: bool, cache_dir: str, work: str) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    for tool in tools:  # fill the bytecode caches, and warm the file-system cache
        import_times(tool, tool.environment(True, cache_dir))
        if train:
            first_iteration(tool, tool.environment(True, cache_dir), args.data, f"{work}/{tool.name}-warm-up")
    for repeat in range(args.repeats):
        for cached in (True, False):
            kind = "cached" if cached else "uncached"
            for tool in tools:
                env = tool.environment(cached, cache_dir)
                if tool.name == "vidrun":
                    results.setdefault(f"vidrun --help ({kind})", []).append(help_time(env))
                torch_s, apis_s = import_times(tool, env)
                results.setdefault(f"{tool.name}: import torch ({kind})", []).append(torch_s)
                results.setdefault(f"{tool.name}: import {tool.apis} beyond torch ({kind})", []).append(apis_s)
                if train:
                    results.setdefault(f"{tool.name}: train to its first iteration ({kind})", []).append(
                        first_iteration(tool, env, args.data, f"{work}/{tool.name}-{kind}{repeat}"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", type=Path, default=ROOT / "data/demo", help="the demo set (vidrun make-demo-data)")
    parser.add_argument("--no-train", action="store_true", help="skip the time to the first iteration")
    parser.add_argument("--mmaction2", type=Path, help="an MMAction2 0.24 source tree, to compare with")
    parser.add_argument("--mmaction2-python", default=sys.executable, help="the Python that runs MMAction2")
    args = parser.parse_args()
    train = not args.no_train and (args.data / "train.txt").is_file()
    print(f"{machine()}, {datetime.date.today()}, load average {os.getloadavg()[0]:.2f}, torch threads default")
    with tempfile.TemporaryDirectory() as cache_dir, tempfile.TemporaryDirectory() as work:
        tools = [vidrun_tool()]
        if args.mmaction2:
            tools.append(mmaction2_tool(args.mmaction2.resolve(), args.mmaction2_python, work))
        results = measure(tools, args, train, cache_dir, work)
    for name, values in results.items():
        print(f"{name:60s} {summary(values)}")
    if not train:
        print("time to the first iteration: skipped (no demo set at --data, or --no-train)")


if __name__ == "__main__":
    main()
