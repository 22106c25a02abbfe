"""Testing a trained model: scores per video with a progress line, metrics, and a results file."""
from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

import numpy as np
from torch import nn

from vidrun.runner.hooks.evaluation import single_process_test


class ProgressLine:
    """`tested 120/300 videos, 41.2 videos/s, about 4 s left`, rewritten in place on a terminal (elsewhere only
    the last line is written)."""

    def __init__(self, total: int, stream: TextIO = sys.stderr):
        self.total, self.stream, self.start = total, stream, time.perf_counter()

    def __call__(self, done: int) -> None:
        if done < self.total and not self.stream.isatty():
            return  # a log file gets the final line only
        rate = done / max(time.perf_counter() - self.start, 1e-9)
        left = (self.total - done) / rate if rate else 0.0
        end = "\n" if done >= self.total else ""
        self.stream.write(f"\rtested {done}/{self.total} videos, {rate:.1f} videos/s, about {left:.0f} s left{end}")
        self.stream.flush()


def test_model(model: nn.Module, data_loader: Any, show_progress: bool = True) -> list[np.ndarray]:
    """One score vector per video of `data_loader.dataset`, in its order."""
    progress = ProgressLine(len(data_loader.dataset)) if show_progress else None
    return single_process_test(model, data_loader, progress)


def save_results(path: str, dataset: Any, results: list[np.ndarray]) -> None:
    """Per-video scores as JSON: `[{"filename": ..., "label": ..., "scores": [...]}, ...]`."""
    records = []
    for info, scores in zip(dataset.video_infos, results):
        name = info.get("filename", info.get("frame_dir"))
        records.append(dict(filename=name, label=info["label"], scores=[float(s) for s in np.ravel(scores)]))
    with open(path, "w", encoding="utf-8") as f:
        json.dump(records, f, indent=1)
        f.write("\n")


def metrics_table(metrics: dict[str, float]) -> str:
    """A two-column text table of metric names and values."""
    width = max((len(k) for k in metrics), default=6)
    rows = [f"{'metric':<{width}}  value", f"{'-' * width}  ------"]
    rows += [f"{name:<{width}}  {value:.4f}" for name, value in metrics.items()]
    return "\n".join(rows)
