"""Stopping a run that a scheduler preempts: which signals ask for it, the flag their handler sets, and the
agreement of all processes on the iteration to stop at. `PreemptionHook` decides when to stop and saves.

A signal handler only records that a stop was asked (the first signal's name); it never saves, raises or
logs, so a signal arriving anywhere — mid-iteration, during evaluation or a checkpoint write, a second one
during the preemption save — changes nothing but the flag. The run checks the flag at its safe points, and
there every process learns the same answer from one all-reduce of a single int.
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterable
from types import FrameType
from typing import Any

import torch
import torch.distributed as dist

DEFAULT_SIGNALS = ("SIGTERM", "SIGUSR1")
PREEMPTED_EXIT_CODE = 75  # EX_TEMPFAIL of sysexits.h: "temporary failure; the user is invited to retry"
UNCATCHABLE = ("SIGKILL", "SIGSTOP")


class Preempted(BaseException):
    """Raised on every process once a preemption checkpoint is written. A BaseException, like
    KeyboardInterrupt: a request to stop, not an error of the run, so `except Exception` lets it through.
    `vidrun train` turns it into exit status `PREEMPTED_EXIT_CODE`."""

    def __init__(self, signal_name: str, iteration: int, checkpoint: str | None):
        super().__init__(f"stopped by {signal_name} after iteration {iteration}"
                         + (f"; resume from {checkpoint} (--auto-resume finds it)" if checkpoint else ""))
        self.signal_name, self.iteration, self.checkpoint = signal_name, iteration, checkpoint


def signal_numbers(names: Iterable[str], key: str = "preemption.signals") -> list[signal.Signals]:
    """The signals named `names` (`'SIGTERM'`, `'SIGUSR1'`, ...); a name that is not a catchable signal of
    this platform is a ValueError naming `key`."""
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise TypeError(f"{key} must be a list of signal names such as ['SIGTERM', 'SIGUSR1'], not {names!r}")
    numbers = []
    for name in names:
        if not isinstance(name, str) or name not in signal.Signals.__members__ or name in UNCATCHABLE:
            raise ValueError(f"{key}: {name!r} is not a signal that can be caught here; use names such as "
                             f"'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGINT'")
        numbers.append(signal.Signals[name])
    return numbers


class StopRequest:
    """The handler of `signals` while installed: `requested` holds the first signal's name, or None."""

    def __init__(self, signals: Iterable[str] = DEFAULT_SIGNALS):
        self.signals = signal_numbers(signals)
        self.requested: str | None = None
        self._previous: dict[signal.Signals, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested is None:
            self.requested = signal.Signals(signum).name

    def install(self) -> bool:
        """Handle the signals from now on; False (nothing installed) outside the main thread, where Python
        cannot set handlers."""
        if threading.current_thread() is not threading.main_thread():
            return False
        for number in self.signals:
            self._previous.setdefault(number, signal.getsignal(number))
            signal.signal(number, self._handle)
        return True

    def uninstall(self) -> None:
        """Give the signals back to the handlers they had before `install`."""
        for number, previous in self._previous.items():
            signal.signal(number, previous if previous is not None else signal.SIG_DFL)
        self._previous = {}

    def agreed(self) -> bool:
        """Whether any process has been asked to stop. Distributed, every process must call this at the same
        point: one all-reduce (MAX) of one int, on the GPU under NCCL."""
        local = self.requested is not None
        if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
            return local
        device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else "cpu"
        flag = torch.tensor([int(local)], dtype=torch.int32, device=device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item())
