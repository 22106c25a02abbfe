"""Joining a process group: errors outside a launcher, SLURM variables, a real one-process Gloo group."""
import os
import socket

import pytest
import torch.distributed as dist

from vidrun.utils.dist import LaunchError, barrier, get_dist_info, init_dist, master_only

TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@pytest.fixture
def clean_env(monkeypatch):
    for name in TORCHRUN_VARIABLES + ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_NODELIST", "SLURM_LOCALID"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_pytorch_launcher_outside_torchrun_names_the_missing_variables(clean_env):
    with pytest.raises(LaunchError, match="RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT.*torchrun"):
        init_dist("pytorch")


def test_unknown_launcher_is_an_error():
    with pytest.raises(ValueError, match="'mpi'"):
        init_dist("mpi")


def test_slurm_without_srun_names_the_missing_variables(clean_env):
    with pytest.raises(LaunchError, match="SLURM_PROCID, SLURM_NTASKS, SLURM_NODELIST.*srun"):
        init_dist("slurm")


def test_slurm_variables_become_torchrun_variables_and_join(clean_env):
    port = _free_port()
    clean_env.setenv("SLURM_PROCID", "0")
    clean_env.setenv("SLURM_NTASKS", "1")
    clean_env.setenv("SLURM_LOCALID", "0")
    clean_env.setenv("SLURM_NODELIST", "localhost")
    clean_env.setenv("MASTER_ADDR", "127.0.0.1")
    try:
        init_dist("slurm", backend="nccl", timeout=30, port=port)  # nccl falls back to gloo on a CPU
        assert (os.environ["RANK"], os.environ["WORLD_SIZE"], os.environ["MASTER_PORT"]) == ("0", "1", str(port))
        assert dist.get_backend() == "gloo"
        assert get_dist_info() == (0, 1)
        barrier()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def test_get_dist_info_reads_torchrun_variables_before_the_group_exists(clean_env):
    assert get_dist_info() == (0, 1)
    clean_env.setenv("RANK", "3")
    clean_env.setenv("WORLD_SIZE", "4")
    assert get_dist_info() == (3, 4)


def test_master_only_runs_on_rank_zero_only(clean_env):
    calls = []
    record = master_only(lambda value: calls.append(value) or value)
    assert record(1) == 1
    clean_env.setenv("RANK", "1")
    clean_env.setenv("WORLD_SIZE", "2")
    assert record(2) is None
    assert calls == [1]


def test_barrier_outside_a_group_returns_at_once():
    barrier()
