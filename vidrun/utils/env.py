"""What a log should say about the machine a run used: versions, devices, threads."""
from __future__ import annotations

import platform
import sys


def collect_env() -> dict[str, str]:
    """Python, platform, torch (and its CUDA), PyAV, NumPy, decord when installed, CPU threads, GPUs."""
    import av
    import numpy as np
    import torch

    from vidrun import __version__

    env = {"vidrun": __version__, "Python": sys.version.split()[0], "Platform": platform.platform(),
           "PyTorch": torch.__version__, "NumPy": np.__version__, "PyAV": av.__version__,
           "CPU threads": str(torch.get_num_threads())}
    try:
        import decord
        env["decord"] = decord.__version__
    except ImportError:
        env["decord"] = "not installed"
    if torch.cuda.is_available():
        env["CUDA"] = str(torch.version.cuda)
        env["GPUs"] = ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
    else:
        env["GPUs"] = "none (CPU)"
    return env
