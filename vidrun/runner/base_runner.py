"""`BaseRunner`: the state, hooks and checkpoints shared by the epoch- and iteration-based runners."""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from typing import Any

import torch

from vidrun.runner.checkpoint import load_checkpoint, load_state_dict, read_checkpoint
from vidrun.runner.checkpointer import Checkpointer
from vidrun.runner.device import model_device, to_device
from vidrun.runner.hooks.hook import Hook
from vidrun.runner.log_buffer import LogBuffer
from vidrun.runner.loader_cursor import LoaderCursor, rescale_position
from vidrun.runner.optimizer.several import load_optimizer_state_dict, named_optimizers, per_optimizer
from vidrun.runner.resume_state import hook_states, load_hook_states
from vidrun.runner.rng import capture_rng, restore_rng
from vidrun.runner.runner_hooks import RunnerHooks
from vidrun.runner.utils import get_time_str
from vidrun.utils import get_dist_info, get_logger


class BaseRunner(RunnerHooks):
    """Holds the model, optimizer, counters and hooks; subclasses implement `run`.

    `epoch`, `iter` and `inner_iter` are 0-based and, inside an `after_*` event, still name the epoch or
    iteration that has just finished (they grow once every hook has seen it).
    """

    unit = "epoch"  # what a workflow entry counts: epochs here, iterations in IterBasedRunner

    def __init__(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None = None,
                 work_dir: str | None = None, logger: logging.Logger | None = None, meta: dict | None = None,
                 max_iters: int | None = None, max_epochs: int | None = None):
        if not callable(getattr(model, "train_step", None)):
            raise TypeError(f"{type(model).__name__} has no train_step(data_batch, optimizer): a runner needs "
                            f"a model implementing train_step and val_step")
        if work_dir is not None and not isinstance(work_dir, (str, os.PathLike)):
            raise TypeError(f"work_dir must be a path or None, not {type(work_dir).__name__} (mmcv's runners take "
                            f"batch_processor second; vidrun's take optimizer there: pass arguments by keyword)")
        if meta is not None and not isinstance(meta, dict):
            raise TypeError(f"meta must be a dict, not {type(meta).__name__}")
        if max_iters is not None and max_epochs is not None:
            raise ValueError("give max_epochs or max_iters, not both")
        if optimizer is not None:
            named_optimizers(optimizer)  # one optimizer or a dict of them; anything else is a TypeError here
        self.model = model
        self.optimizer = optimizer
        self.work_dir = os.path.abspath(work_dir) if work_dir is not None else None
        if self.work_dir is not None:
            os.makedirs(self.work_dir, exist_ok=True)
        self.logger = logger or get_logger()
        self.meta = meta
        self.rank, self.world_size = get_dist_info()
        self.timestamp = get_time_str()  # names this run's log files (`vidrun train` sets its own)
        self.mode: str | None = None
        self.outputs: dict = {}
        self.data_loader: Any = None
        self.log_buffers = {"train": LogBuffer(), "val": LogBuffer()}  # val lines never blend into train
        self.workflow: list = []
        self.precision_context: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext
        self._hooks: list[Hook] = []
        self._epoch = self._iter = self._inner_iter = 0
        self._max_epochs, self._max_iters = max_epochs, max_iters
        self._event: str | None = None
        self._cursors: dict[int, LoaderCursor] = {}
        self._flow = (0, 0)               # (workflow entry, units of it started)
        self._resumed: dict | None = None  # what `resume` read, applied when `run` starts

    # -- state ------------------------------------------------------------------------------------------------
    epoch = property(lambda self: self._epoch)
    iter = property(lambda self: self._iter)
    inner_iter = property(lambda self: self._inner_iter)
    max_epochs = property(lambda self: self._max_epochs)
    max_iters = property(lambda self: self._max_iters)
    hooks = property(lambda self: self._hooks)

    @property
    def log_buffer(self) -> LogBuffer:
        """The buffer of the current mode."""
        return self.log_buffers["val" if self.mode == "val" else "train"]

    @property
    def end_of_flow(self) -> bool:
        """True in the last epoch (or iteration) of the current workflow entry."""
        flow, started = self._flow
        return bool(self.workflow) and started == self.workflow[flow][1]

    @property
    def model_name(self) -> str:
        return type(getattr(self.model, "module", self.model)).__name__

    def current_lr(self) -> list[float] | dict[str, list[float]]:
        """Each group's lr; `{name: [lr of each group]}` when the optimizer is a dict of optimizers."""
        if self.optimizer is None:
            raise RuntimeError("current_lr() needs an optimizer, and this runner has none")
        return per_optimizer(self.optimizer, lambda opt: [group["lr"] for group in opt.param_groups])

    def current_momentum(self) -> list[float] | dict[str, list[float]]:
        """Each group's momentum, or `betas[0]` for Adam-like optimizers (0 when it has neither);
        `{name: [...]}` when the optimizer is a dict of optimizers."""
        if self.optimizer is None:
            raise RuntimeError("current_momentum() needs an optimizer, and this runner has none")
        return per_optimizer(self.optimizer, lambda opt: [
            g["momentum"] if "momentum" in g else g["betas"][0] if "betas" in g else 0.0 for g in opt.param_groups])

    # -- the workflow -----------------------------------------------------------------------------------------
    def _training_done(self) -> bool:
        raise NotImplementedError

    def _start(self, data_loaders: list, workflow: list) -> None:
        """Check the workflow, log what will run, call `before_run`, then restore a resumed position."""
        check_workflow(data_loaders, workflow)
        self.workflow = [tuple(entry) for entry in workflow]
        self._cursors = {}
        for loader in data_loaders:
            self.cursor(loader)
        total = f"{self._max_epochs} epochs" if self.unit == "epoch" else f"{self._max_iters} iterations"
        self.logger.info("start running %s in %s: workflow %s, %s", self.model_name, self.work_dir,
                         workflow, total)
        self.logger.info("hooks, in calling order:\n%s", self.hook_order())
        self.call_hook("before_run")
        train_loader = next(loader for loader, (mode, _) in zip(data_loaders, workflow) if mode == "train")
        self._apply_resumed(train_loader)

    def _run_workflow(self, data_loaders: list, workflow: list) -> None:
        """Cycle through the workflow until training is done, checking only when a cycle starts: a val entry
        after the last train entry still runs. A train entry is skipped once training is done."""
        while True:
            flow, started = self._flow
            mode, count = workflow[flow]
            if flow == 0 and started == 0 and self._training_done():
                break
            if started >= count or (mode == "train" and self._training_done()):
                self._flow = ((flow + 1) % len(workflow), 0)
                continue
            self._flow = (flow, started + 1)
            getattr(self, mode)(data_loaders[flow])
        self.call_hook("after_run")

    # -- one step ---------------------------------------------------------------------------------------------
    def run_iter(self, data_batch: Any, train_mode: bool) -> None:
        """`outputs = model.train_step(...)` or `val_step` on the batch moved to the model's device, checked,
        and its `log_vars` (weighted by `num_samples`, 1 when absent) into the log buffer. A dict without
        `log_vars` logs nothing for this iteration, as in mmcv: a model that steps its own optimizers
        (`optimizer_config=None`) may return only what it wants hooks to see."""
        step = self.model.train_step if train_mode else self.model.val_step
        data_batch = to_device(data_batch, model_device(self.model))
        with self.precision_context():
            outputs = step(data_batch, self.optimizer)
        if not isinstance(outputs, dict):
            raise TypeError(f"{self.model_name}.{'train' if train_mode else 'val'}_step must return a dict "
                            f"(usually with 'loss', 'log_vars' and 'num_samples'), not {type(outputs).__name__}")
        if "log_vars" in outputs:
            self.log_buffer.update(outputs["log_vars"], outputs.get("num_samples", 1))
        self.outputs = outputs

    def cursor(self, loader: Any) -> LoaderCursor:
        """The cursor of a workflow loader, made once per loader so its position survives across epochs."""
        if id(loader) not in self._cursors:
            self._cursors[id(loader)] = LoaderCursor(loader)
        return self._cursors[id(loader)]

    # -- checkpoints ------------------------------------------------------------------------------------------
    def checkpoint_state(self, save_optimizer: bool = True, meta: dict | None = None) -> dict:
        """What a checkpoint written now holds: `model`, `optimizer`, `meta` and `extra` (resume state)."""
        finished = self._event in (f"after_train_{self.unit}", f"after_val_{self.unit}")
        in_unit = self._event is not None and self._event not in ("before_run", "after_run")
        flow, started = self._flow
        if meta is not None and not isinstance(meta, dict):
            raise TypeError(f"meta must be a dict or None, not {type(meta).__name__}: {meta!r}")
        meta = dict(self.meta or {}, **(meta or {}))
        meta.update(epoch=self._epoch + (self._event == "after_train_epoch"),
                    iter=self._iter + (self._event == "after_train_iter"), world_size=self.world_size)
        extra = {"runner": {"flow": flow, "flow_done": started - (in_unit and not finished),
                            "rng": capture_rng(),
                            "cursors": [c.state_dict() for c in self._cursors.values()],
                            "global_batches": [c.global_batch for c in self._cursors.values()]},
                 "hooks": hook_states(self._hooks)}
        return {"model": self.model, "optimizer": self.optimizer if save_optimizer else None,
                "meta": meta, "extra": extra}

    def save_checkpoint(self, out_dir: str, filename_tmpl: str = "epoch_{}.pth", save_optimizer: bool = True,
                        meta: dict | None = None, create_symlink: bool = True) -> str:
        """Write `out_dir/filename_tmpl.format(n)` atomically, `n` the epochs (IterBasedRunner: iterations)
        done counting the current one, and point `latest.pth` at it unless `create_symlink=False`. `meta` is
        added to the runner's own; anything but a dict or None is a TypeError."""
        state = self.checkpoint_state(save_optimizer, meta)
        number = state["meta"]["epoch" if self.unit == "epoch" else "iter"]
        return Checkpointer(out_dir, logger=self.logger).save(
            filename_tmpl.format(number), state["model"], state["optimizer"], state["meta"], state["extra"],
            update_latest=create_symlink)

    def load_checkpoint(self, filename: str, map_location: str = "cpu", strict: bool = False,
                        revise_keys: tuple = ((r"^module\.", ""),)) -> dict:
        """Load weights only (`load_from`); missing and unexpected keys are logged."""
        self.logger.info("load checkpoint from %s", filename)
        return load_checkpoint(self.model, filename, map_location, strict, self.logger, revise_keys)

    def resume(self, checkpoint: str, resume_optimizer: bool = True, map_location: str = "cpu") -> None:
        """Continue the run saved in `checkpoint` exactly where it stopped (mid-epoch included)."""
        state = read_checkpoint(checkpoint, map_location)
        load_state_dict(self.model, state["state_dict"], logger=self.logger, source=checkpoint)
        meta = state.get("meta", {})
        self._epoch, self._iter = int(meta.get("epoch", 0)), int(meta.get("iter", 0))
        if resume_optimizer and self.optimizer is not None and state.get("optimizer") is not None:
            load_optimizer_state_dict(self.optimizer, state["optimizer"], checkpoint)
        self.meta = dict(self.meta or {}, **{k: v for k, v in meta.items() if k in ("hook_msgs", "seed")})
        load_hook_states(self._hooks, state.get("hooks", {}), self.logger)
        self._resumed = dict(state.get("runner") or {}, world_size=int(meta.get("world_size", 1)))
        if "cursors" not in self._resumed:
            self.logger.warning("%s holds no resume state (data position, random generators): the run "
                                "continues from the start of epoch %d, not exactly where it stopped",
                                checkpoint, self._epoch + 1)
        self.logger.info("resumed %s at epoch %d, iter %d", checkpoint, self._epoch, self._iter)

    def _apply_resumed(self, train_loader: Any) -> None:
        """Put back the workflow position, loader cursors and generators that `resume` read. Every process
        gets rank 0's: they are alike on all ranks, which share the seed and run in step."""
        if self._resumed is None:
            return
        state, self._resumed = self._resumed, None
        saved_batches: dict[int, int | None] = {}
        if "cursors" in state:
            self._flow = (state["flow"], state["flow_done"])
            if len(state["cursors"]) != len(self._cursors):
                raise ValueError(f"the checkpoint was saved with {len(state['cursors'])} data loaders in the "
                                 f"workflow and this run has {len(self._cursors)}: resume with the same workflow")
            saved_batches = dict(zip(self._cursors, state.get("global_batches") or [None] * len(self._cursors)))
            for key, cursor_state in zip(self._cursors, state["cursors"]):
                self._cursors[key].load_state_dict(rescale_position(cursor_state, saved_batches[key],
                                                                    self._cursors[key]))
            restore_rng(state["rng"])
        train_cursor = self.cursor(train_loader)
        saved_batch = saved_batches.get(id(train_loader))
        if state["world_size"] != self.world_size or saved_batch not in (None, train_cursor.global_batch):
            self._continue_with_other_batches(state["world_size"], train_cursor, saved_batch)

    def _continue_with_other_batches(self, saved_world_size: int, train_cursor: LoaderCursor,
                                     saved_batch: int | None) -> None:
        """A checkpoint saved by another number of processes, or with another global batch, continues at the
        same point of the epoch (the cursors were moved by `rescale_position`); an EpochBasedRunner counts
        `iter` in this run's epoch length, so that iteration-based schedules (warm-up, `by_epoch=False`) keep
        their progress, while an IterBasedRunner keeps counting steps. What differs from an uninterrupted run
        is said in a warning."""
        if self.unit == "epoch":
            self._iter = self._epoch * len(train_cursor) + train_cursor.state_dict()["position"]
        now = train_cursor.global_batch
        changes = []
        if saved_world_size != self.world_size and hasattr(getattr(train_cursor.loader, "sampler", None),
                                                           "start_at"):  # build_dataloader's EpochSampler
            changes.append(f"it was saved with world size {saved_world_size} and this run has {self.world_size} "
                           f"(each epoch's order and augmentations stay the same)")
        elif saved_world_size != self.world_size:
            changes.append(f"it was saved with world size {saved_world_size} and this run has {self.world_size}, "
                           f"so the data order from here on differs from the saved run's (each epoch's samples "
                           f"are dealt to the processes differently)")
        if saved_batch not in (None, now):
            changes.append(f"the global batch went from {saved_batch} to {now} videos: scale the lr with it "
                           f"(docs/distributed.md)")
        self.logger.warning("resuming: %s; training continues at epoch %d, iteration %d of this run",
                            "; ".join(changes), self._epoch + 1, self._iter + 1)


def check_workflow(data_loaders: list, workflow: list) -> None:
    """A workflow is a non-empty list of `(mode, count)`, with a train entry and one loader per entry."""
    if not isinstance(workflow, (list, tuple)) or not workflow:
        raise ValueError(f"workflow must be a non-empty list of (mode, count) pairs, not {workflow!r}")
    for entry in workflow:
        if (not isinstance(entry, (list, tuple)) or len(entry) != 2 or entry[0] not in ("train", "val")
                or not isinstance(entry[1], int) or entry[1] < 1):
            raise ValueError(f"workflow entry {entry!r} must be ('train' or 'val', a count >= 1)")
    if not any(mode == "train" for mode, _ in workflow):
        raise ValueError(f"workflow {workflow!r} has no 'train' entry, so training would never end")
    if len(data_loaders) != len(workflow):
        raise ValueError(f"the workflow has {len(workflow)} entries but {len(data_loaders)} data loaders "
                         f"were given: one loader for each entry")
