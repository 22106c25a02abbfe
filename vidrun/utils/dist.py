"""Where this process sits in a distributed run, and joining one: `get_dist_info`, `init_dist`, `master_only`,
`barrier`."""
from __future__ import annotations

import datetime
import functools
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

LAUNCHERS = ("none", "pytorch", "slurm")
TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
DEFAULT_PORT = 29500


class LaunchError(RuntimeError):
    """The process was not started by the launcher it names (torchrun's or srun's variables are missing); the
    message says how to start it. Commands end on it with exit code 2 and no traceback."""


def get_dist_info() -> tuple[int, int]:
    """`(rank, world_size)`: from the initialised process group, else from the variables `torchrun` sets
    (`RANK`, `WORLD_SIZE`, so that logging is rank-aware before the group exists), else `(0, 1)`."""
    import torch.distributed as dist  # imported here so that config-only commands do not pay for torch

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


def is_distributed() -> bool:
    """Whether a process group is initialised."""
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized()


def default_backend() -> str:
    """'nccl' where CUDA is usable, else 'gloo'."""
    import torch

    return "nccl" if torch.cuda.is_available() else "gloo"


def init_dist(launcher: str, backend: str | None = None, timeout: float | None = None, port: int | None = None,
              **kwargs: Any) -> None:
    """Join the process group that `launcher` started ('pytorch': `torchrun`; 'slurm': `srun`).

    `backend` defaults to `default_backend()`; 'nccl' without CUDA falls back to 'gloo' with a warning, so a
    config written for GPUs (`dist_params = dict(backend='nccl')`) runs on CPUs. `timeout` (seconds) bounds
    every collective, so a job whose peer died ends with an error instead of hanging. With CUDA each process
    uses GPU `LOCAL_RANK`. `kwargs` go to `torch.distributed.init_process_group`.
    """
    import torch
    import torch.distributed as dist

    if launcher not in LAUNCHERS[1:]:
        raise ValueError(f"launcher must be one of {LAUNCHERS[1:]}, not {launcher!r}")
    if is_distributed():
        return
    if launcher == "slurm":
        _export_slurm_variables(port)
    missing = [name for name in TORCHRUN_VARIABLES if name not in os.environ]
    if missing:
        raise LaunchError(f"--launcher {launcher}: the variables {', '.join(missing)} are not set; start the "
                           f"command under torchrun (torchrun --nproc_per_node=N -m vidrun ... --launcher "
                           f"pytorch) or srun (--launcher slurm), or use --launcher none")
    backend = backend or default_backend()
    if backend == "nccl" and not torch.cuda.is_available():
        logging.getLogger("vidrun").warning("dist_params.backend 'nccl' needs CUDA, which is not available: "
                                            "using 'gloo'")
        backend = "gloo"
    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ["LOCAL_RANK"]) % torch.cuda.device_count())
    if timeout is not None:
        kwargs["timeout"] = datetime.timedelta(seconds=timeout)
    dist.init_process_group(backend=backend, **kwargs)


def _export_slurm_variables(port: int | None) -> None:
    """The torchrun variables from `SLURM_PROCID`, `SLURM_NTASKS`, `SLURM_LOCALID` and `SLURM_NODELIST`
    (the first host is the master; the port is `port`, else `MASTER_PORT`, else 29500)."""
    needed = ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_NODELIST")
    missing = [name for name in needed if name not in os.environ]
    if missing:
        raise LaunchError(f"--launcher slurm: the variables {', '.join(missing)} are not set; start the command "
                           f"with srun")
    if "MASTER_ADDR" not in os.environ:
        if shutil.which("scontrol") is None:
            raise LaunchError("--launcher slurm: MASTER_ADDR is not set and scontrol, which would name the "
                               "first host of SLURM_NODELIST, is not on PATH")
        hosts = subprocess.run(["scontrol", "show", "hostnames", os.environ["SLURM_NODELIST"]], check=True,
                               capture_output=True, text=True).stdout.split()
        os.environ["MASTER_ADDR"] = hosts[0]
    os.environ["MASTER_PORT"] = str(port or os.environ.get("MASTER_PORT", DEFAULT_PORT))
    os.environ["RANK"] = os.environ["SLURM_PROCID"]
    os.environ["WORLD_SIZE"] = os.environ["SLURM_NTASKS"]
    os.environ["LOCAL_RANK"] = os.environ.get("SLURM_LOCALID", "0")


def barrier() -> None:
    """Wait for every process of the group; nothing to wait for outside a distributed run."""
    import torch.distributed as dist

    if is_distributed():
        dist.barrier()


def master_only(func: Callable) -> Callable:
    """`func` runs on rank 0 only; other ranks get None."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if get_dist_info()[0] == 0:
            return func(*args, **kwargs)
        return None

    return wrapper
