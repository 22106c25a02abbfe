"""Errors that end a `vidrun` command with a one-paragraph message and exit code 2, without a traceback."""
from __future__ import annotations


class LaunchError(RuntimeError):
    """The command cannot join the process group its `--launcher` names: started without torchrun or srun,
    or the rendezvous failed. The message says how to start it."""
