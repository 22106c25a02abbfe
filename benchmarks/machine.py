"""What the benchmark scripts print about the machine they ran on."""
from __future__ import annotations

import os
from pathlib import Path


def machine() -> str:
    """The CPU model and the number of cores, e.g. 'AMD EPYC, 2 cores'."""
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        model = "unknown CPU"
    return f"{model}, {os.cpu_count()} cores"
