"""`EvalHook` (`evaluation=dict(...)`): scores the model on the val set during training, keeps the best."""
from __future__ import annotations

import math
import os
from typing import Any

from vidrun.config import ConfigError
from vidrun.runner.checkpointer import Checkpointer
from vidrun.runner.hooks.hook import HOOKS, Hook
from vidrun.runner.inference_loops import single_process_test
from vidrun.utils.progress import progress_bar

GREATER_KEYS = ("acc", "top", "ar@", "auc", "precision", "map", "recall", "f1")
LESS_KEYS = ("loss", "error")


def infer_rule(key: str) -> str:
    """'greater' for accuracy-like keys, 'less' for loss-like ones."""
    lowered = key.lower()
    if any(k in lowered for k in LESS_KEYS):
        return "less"
    if any(k in lowered for k in GREATER_KEYS):
        return "greater"
    raise ValueError(f"evaluation.rule: cannot tell whether a greater or a smaller {key!r} is better; "
                     f"set rule='greater' or rule='less'")


@HOOKS.register_module()
class EvalHook(Hook):
    """Every `interval` train epochs (iterations when not `by_epoch`) from `start` on, run the model over
    `dataloader`, score it with `dataset.evaluate(results, **eval_kwargs)` and log the scores as a val line.
    `start=0` also evaluates before training. With `save_best` ('auto' = the first score, or a key), keep
    `best_<key>_epoch_N.pth`; `rule` ('greater' | 'less') is inferred from the key when not given."""

    def __init__(self, dataloader: Any, start: int | None = None, interval: int = 1, by_epoch: bool = True,
                 save_best: str | None = None, rule: str | None = None, **eval_kwargs: Any):
        if not hasattr(dataloader, "dataset") or not hasattr(dataloader.dataset, "evaluate"):
            raise TypeError("EvalHook needs a data loader whose dataset has evaluate(results, ...)")
        if interval < 1 or (start is not None and start < 0):
            raise ValueError(f"evaluation: interval must be >= 1 and start >= 0, not {interval}, {start}")
        if rule not in (None, "greater", "less"):
            raise ValueError(f"evaluation.rule must be 'greater' or 'less', not {rule!r}")
        check = getattr(dataloader.dataset, "check_evaluate_args", None)
        if check is not None:  # a typo in `evaluation` fails now, not after the first epochs
            try:
                check(**eval_kwargs)
            except (KeyError, TypeError) as error:
                raise ConfigError(f"evaluation: {error.args[0] if error.args else error}") from error
        self.dataloader, self.start, self.interval, self.by_epoch = dataloader, start, interval, by_epoch
        self.save_best, self.rule, self.eval_kwargs = save_best, rule, eval_kwargs
        self.best_score: float | None = None
        self.best_ckpt: str | None = None
        self._initial_done = False

    def before_train_epoch(self, runner: Any) -> None:
        if self.by_epoch and not self._initial_done and self.start is not None and runner.epoch >= self.start:
            self.evaluate(runner)
        self._initial_done = True

    def after_train_epoch(self, runner: Any) -> None:
        if self.by_epoch and self._due(runner.epoch):
            self.evaluate(runner)

    def after_train_iter(self, runner: Any) -> None:
        if not self.by_epoch and self._due(runner.iter):
            self.evaluate(runner)

    def _due(self, current: int) -> bool:
        if self.start is None:
            return (current + 1) % self.interval == 0
        return current + 1 >= self.start and (current + 1 - self.start) % self.interval == 0

    def evaluate(self, runner: Any) -> None:
        scores = self.compute_scores(runner)
        buffer = runner.log_buffers["val"]
        buffer.output.update(scores)
        buffer.ready = True
        if self.save_best is not None and scores:
            self._keep_best(runner, scores)

    def compute_scores(self, runner: Any) -> dict:
        """The model's scores on the val set."""
        with progress_bar(len(self.dataloader.dataset), "val", "video") as bar:
            results = single_process_test(runner.model, self.dataloader, bar)
        return self.dataloader.dataset.evaluate(results, logger=runner.logger, **self.eval_kwargs)

    def _keep_best(self, runner: Any, scores: dict) -> None:
        key = next(iter(scores)) if self.save_best == "auto" else self.save_best
        if key not in scores:
            raise ConfigError(f"evaluation.save_best: {key!r} is not among the scores {sorted(scores)}")
        rule = self.rule or infer_rule(key)
        score = float(scores[key])
        better = self.best_score is None or (score > self.best_score if rule == "greater"
                                             else score < self.best_score)
        if not better or math.isnan(score):
            return
        number = runner.epoch + 1 if self.by_epoch else runner.iter + 1
        name = f"best_{key}_{'epoch' if self.by_epoch else 'iter'}_{number}.pth"
        # Rank 0 writes the file; the other ranks keep the same record of it, so that every rank's state (and
        # whichever rank's checkpoint a resume reads) agrees.
        path = os.path.join(runner.work_dir, name)
        if runner.rank == 0:
            state = runner.checkpoint_state()
            path = Checkpointer(runner.work_dir, logger=runner.logger).save_best(
                name, state["model"], state["optimizer"], state["meta"], state["extra"], previous=self.best_ckpt)
            runner.logger.info("best %s so far: %.4f, saved as %s", key, score, path)
        self.best_score, self.best_ckpt = score, str(path)
        runner.meta = runner.meta if runner.meta is not None else {}
        runner.meta.setdefault("hook_msgs", {}).update(best_score=score, best_ckpt=self.best_ckpt)

    def state_dict(self) -> dict:
        return {"best_score": self.best_score, "best_ckpt": self.best_ckpt, "initial_done": self._initial_done}

    def load_state_dict(self, state: dict) -> None:
        self.best_score, self.best_ckpt = state["best_score"], state["best_ckpt"]
        self._initial_done = bool(state["initial_done"])

