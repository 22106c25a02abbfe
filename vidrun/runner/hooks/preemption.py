"""`PreemptionHook` (`preemption`): on SIGTERM or SIGUSR1, stop at the next safe point with a checkpoint of it."""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from vidrun.runner.checkpointer import Checkpointer, preempt_name
from vidrun.runner.hooks.hook import HOOKS, Hook
from vidrun.runner.preemption import DEFAULT_SIGNALS, PREEMPTED_EXIT_CODE, Preempted, StopRequest
from vidrun.utils import barrier


@HOOKS.register_module()
class PreemptionHook(Hook):
    """While the run lasts, `signals` only ask it to stop. The safe points are the end of each train iteration
    and of each train epoch, after every other hook has seen it (LOWEST priority: the evaluation or the
    interval checkpoint of that point is done). There all processes agree whether any was asked; if so, rank 0
    writes `preempt_iter_<N>.pth` (N iterations done) atomically beside the interval checkpoints, points
    `latest.pth` at it, every process waits for the file, and each raises `Preempted` — exit status 75 from
    `vidrun train`. `--auto-resume` then continues exactly from that point. A signal during evaluation, a
    checkpoint write or a val entry of the workflow is acted on at the next safe point.

    The file goes where the `CheckpointHook` saves (its `out_dir`), else in the work dir, with the optimizer
    unless `checkpoint_config.save_optimizer=False`; it is removed once a later checkpoint is saved."""

    exit_code = PREEMPTED_EXIT_CODE

    def __init__(self, signals: Sequence[str] = DEFAULT_SIGNALS):
        self.stop = StopRequest(signals)
        self.checkpointer: Checkpointer | None = None
        self.save_optimizer = True

    def before_run(self, runner: Any) -> None:
        saver = next((h for h in runner.hooks if getattr(h, "checkpointer", None) is not None
                      and h is not self), None)
        if saver is not None:
            self.checkpointer = Checkpointer(saver.checkpointer.directory, logger=runner.logger)
            self.save_optimizer = getattr(saver, "save_optimizer", True)
        elif runner.work_dir is not None:
            self.checkpointer = Checkpointer(runner.work_dir, logger=runner.logger)
        if not self.stop.install():
            runner.logger.warning("preemption: not in the main thread, so %s cannot be handled here",
                                  ", ".join(s.name for s in self.stop.signals))
            return
        runner.logger.info("preemption: %s stop the run at the end of the current iteration with a checkpoint "
                           "(exit status %d)", " or ".join(s.name for s in self.stop.signals), self.exit_code)

    def after_train_iter(self, runner: Any) -> None:
        self._stop_if_asked(runner, runner.iter + 1)

    def after_train_epoch(self, runner: Any) -> None:
        self._stop_if_asked(runner, runner.iter)  # the iteration counter has grown with the last iteration

    def after_run(self, runner: Any) -> None:
        self.stop.uninstall()

    def on_exception(self, runner: Any, exc: BaseException) -> None:
        self.stop.uninstall()

    def _stop_if_asked(self, runner: Any, iterations_done: int) -> None:
        if not self.stop.agreed():
            return
        path = None
        if runner.rank == 0 and self.checkpointer is not None:
            state = runner.checkpoint_state(self.save_optimizer)
            path = self.checkpointer.save(preempt_name(iterations_done), state["model"], state["optimizer"],
                                          state["meta"], state["extra"])
        barrier()  # no process exits before the file is complete: a launcher would stop rank 0 mid-save
        asked = self.stop.requested or "a stop request on another process"
        runner.logger.warning("preempted by %s after iteration %d%s; exiting with status %d", asked,
                              iterations_done, f": saved {path}" if path else "", self.exit_code)
        raise Preempted(asked, iterations_done, path and os.fspath(path))
