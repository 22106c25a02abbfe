"""`EvalHook` (`evaluation=dict(...)`): scores the model on the val set during training, keeps the best."""
from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from vidrun.config import ConfigError
from vidrun.runner.checkpointer import Checkpointer
from vidrun.runner.hooks.hook import HOOKS, Hook
from vidrun.runner.hooks.logger.base import LoggerHook
from vidrun.runner.inference_loops import single_process_test
from vidrun.utils.progress import progress_bar

GREATER_KEYS = ("acc", "top", "ar@", "auc", "precision", "map", "recall", "f1", "mdice", "miou")
LESS_KEYS = ("loss", "error")


def infer_rule(key: str, greater_keys: Sequence[str] = GREATER_KEYS, less_keys: Sequence[str] = LESS_KEYS) -> str:
    """'greater' or 'less' for the score `key`, as mmcv decides, ignoring case: a key equal to one of
    `greater_keys` or else of `less_keys`, then one containing one of `greater_keys`, else of `less_keys`.
    A key matching none is a ValueError."""
    lowered = key.lower()
    greater, less = [k.lower() for k in greater_keys], [k.lower() for k in less_keys]
    for rule, found in (("greater", lowered in greater), ("less", lowered in less),
                        ("greater", any(k in lowered for k in greater)), ("less", any(k in lowered for k in less))):
        if found:
            return rule
    raise ValueError(f"evaluation.rule: cannot tell whether a greater or a smaller {key!r} is better (it matches "
                     f"none of greater_keys {list(greater_keys)} and less_keys {list(less_keys)}); set "
                     f"rule='greater' or rule='less'")


def _key_list(value: Any, name: str, default: Sequence[str]) -> tuple[str, ...]:
    if value is None:
        return tuple(default)
    value = (value,) if isinstance(value, str) else value
    if not isinstance(value, (list, tuple)) or not all(isinstance(k, str) for k in value):
        raise TypeError(f"evaluation.{name} must be a str or a list of str, not {value!r}")
    return tuple(value)


def _check_save_best(save_best: Any) -> None:
    if save_best is not None and not isinstance(save_best, str):
        raise TypeError(f"evaluation.save_best must be None, 'auto' (the first score the data set returns) or "
                        f"the name of a score such as 'top1_acc', not {save_best!r}")


@HOOKS.register_module()
class EvalHook(Hook):
    """Every `interval` train epochs (iterations when not `by_epoch`) from `start` on, run the model over `dataloader`
    (with `test_fn(model, dataloader)` when given), score the results with `dataset.evaluate(results, logger=...,
    **eval_kwargs)` and log the scores as a val line.

    `start=k` evaluates after epoch (iteration) k, k + interval, ...; before the first epoch (iteration) a run
    trains, it also evaluates when that point is at least `start` and on the interval (mmcv's rule: `start=0,
    interval=1` evaluates before training; a run resumed at epoch e >= start evaluates first when `(e + 1 - start) %
    interval == 0`; not one resumed inside an epoch). With `save_best` ('auto' = the first score, or a score's name)
    the best is kept as `best_<key>_epoch_N.pth` (`_iter_N` when not by epoch) in the work dir, or in `out_dir/<work
    dir name>`; `rule` ('greater' | 'less') is inferred from the key with `greater_keys` / `less_keys` when not
    given. A `save_best` key whose rule cannot be inferred, `save_best=True` and an unknown `rule` are errors here,
    when the hook is built. An empty evaluation result warns and keeps no best. Unlike mmcv, a best score of 0
    counts, and the previous best file is removed only once the new one is complete."""

    # mmcv's names: a subclass may set its own defaults here
    _default_greater_keys: Sequence[str] = GREATER_KEYS
    _default_less_keys: Sequence[str] = LESS_KEYS

    def __init__(self, dataloader: Any, start: int | None = None, interval: int = 1, by_epoch: bool = True,
                 save_best: str | None = None, rule: str | None = None, test_fn: Callable | None = None,
                 greater_keys: Sequence[str] | str | None = None, less_keys: Sequence[str] | str | None = None,
                 out_dir: str | None = None, file_client_args: dict | None = None, **eval_kwargs: Any):
        if not hasattr(dataloader, "dataset") or not hasattr(dataloader.dataset, "evaluate"):
            raise TypeError("EvalHook needs a data loader whose dataset has evaluate(results, ...)")
        if interval < 1 or (start is not None and start < 0):
            raise ValueError(f"evaluation: interval must be >= 1 and start >= 0, not {interval}, {start}")
        if not isinstance(by_epoch, bool):
            raise TypeError(f"evaluation.by_epoch must be True or False, not {by_epoch!r}")
        if rule not in (None, "greater", "less"):
            raise ValueError(f"evaluation.rule must be 'greater' or 'less', not {rule!r}")
        if test_fn is not None and not callable(test_fn):
            raise TypeError(f"evaluation.test_fn must be a function (model, dataloader) -> results, not {test_fn!r}")
        _check_save_best(save_best)
        _check_local(out_dir, file_client_args)
        self._check_eval_kwargs(dataloader, eval_kwargs)
        self.dataloader, self.start, self.interval, self.by_epoch = dataloader, start, interval, by_epoch
        self.save_best, self.eval_kwargs, self.test_fn = save_best, eval_kwargs, test_fn
        self.greater_keys = _key_list(greater_keys, "greater_keys", self._default_greater_keys)
        self.less_keys = _key_list(less_keys, "less_keys", self._default_less_keys)
        self.rule, self.key_indicator = rule, save_best
        if save_best not in (None, "auto") and rule is None:
            self.rule = infer_rule(save_best, self.greater_keys, self.less_keys)
        self.out_dir = None if out_dir is None else os.path.expanduser(out_dir)
        self.best_score: float | None = None
        self.best_ckpt: str | None = None
        self.initial_flag = True  # until the run's first train epoch (iteration when not by epoch) starts

    @staticmethod
    def _check_eval_kwargs(dataloader: Any, eval_kwargs: dict) -> None:
        check = getattr(dataloader.dataset, "check_evaluate_args", None)
        if check is not None:  # a typo in `evaluation` fails now, not after the first epochs
            try:
                check(**eval_kwargs)
            except (KeyError, TypeError) as error:
                raise ConfigError(f"evaluation: {error.args[0] if error.args else error}") from error

    # -- when -------------------------------------------------------------------------------------------------
    def before_run(self, runner: Any) -> None:
        if self.out_dir is None or os.path.abspath(self.out_dir) == runner.work_dir:
            self.out_dir = runner.work_dir
        else:
            self.out_dir = os.path.join(self.out_dir, os.path.basename((runner.work_dir or "").rstrip(os.sep)))
            runner.logger.info("the best checkpoint will be saved in %s", self.out_dir)
        if self.save_best is not None and self.best_score is None:
            # A checkpoint written by mmcv keeps the best only in meta['hook_msgs'] (a resume put it there).
            msgs = (runner.meta or {}).get("hook_msgs", {})
            if msgs.get("best_score") is not None:
                self.best_score, self.best_ckpt = float(msgs["best_score"]), msgs.get("best_ckpt")

    def before_train_epoch(self, runner: Any) -> None:
        if not (self.by_epoch and self.initial_flag):
            return
        if (self.start is not None and runner.epoch >= self.start and self._should_evaluate(runner)
                and not _resumed_mid_epoch(runner)):
            self._do_evaluate(runner)  # the logger writes it at (epoch, 0) later in this event
        self.initial_flag = False

    def before_train_iter(self, runner: Any) -> None:
        if self.by_epoch or not self.initial_flag:
            return
        if self.start is not None and runner.iter >= self.start and self._should_evaluate(runner):
            self._do_evaluate(runner)
            # Written now, where its weights were (iteration `runner.iter` done): left to the loggers' next
            # after_train_iter, the evaluation after this iteration would overwrite it first.
            for hook in runner.hooks:
                if isinstance(hook, LoggerHook):
                    hook._write(runner, "val", at_epoch_start=True)
        self.initial_flag = False

    def after_train_epoch(self, runner: Any) -> None:
        if self.by_epoch and self._should_evaluate(runner):
            self._do_evaluate(runner)

    def after_train_iter(self, runner: Any) -> None:
        if not self.by_epoch and self._should_evaluate(runner):
            self._do_evaluate(runner)

    def _should_evaluate(self, runner: Any) -> bool:
        """True when epoch (iteration) `current + 1` is on the schedule: from `start` every `interval`, or
        every `interval` without `start`."""
        current = runner.epoch if self.by_epoch else runner.iter
        if self.start is None:
            return (current + 1) % self.interval == 0
        return current + 1 >= self.start and (current + 1 - self.start) % self.interval == 0

    # -- what -------------------------------------------------------------------------------------------------
    def _do_evaluate(self, runner: Any) -> None:
        """Run the model over the val set, log its scores and keep the best."""
        key_score = self.evaluate(runner, self.test_results(runner))
        if key_score is not None:
            self._save_ckpt(runner, key_score)

    def test_results(self, runner: Any) -> Any:
        """The model's results on the val set: `test_fn(model, dataloader)`, by default in this process with
        a progress bar."""
        if self.test_fn is not None:
            return self.test_fn(runner.model, self.dataloader)
        with progress_bar(len(self.dataloader.dataset), "val", "video") as bar:
            return single_process_test(runner.model, self.dataloader, bar)

    def score(self, runner: Any, results: Any) -> dict:
        """`dataset.evaluate(results, logger=runner.logger, **eval_kwargs)`."""
        return self.dataloader.dataset.evaluate(results, logger=runner.logger, **self.eval_kwargs)

    def evaluate(self, runner: Any, results: Any) -> float | None:
        """Score `results`, put the scores in the val log buffer and return the `save_best` score (None without
        `save_best`, or when the data set returned no score: a warning says it is skipped)."""
        scores = self.score(runner, results)
        buffer = runner.log_buffers["val"]
        buffer.output.update(scores)
        buffer.ready = True
        if self.save_best is None:
            return None
        if not scores:
            warnings.warn("the evaluation returned no score: no best checkpoint is kept from it", stacklevel=2)
            runner.logger.warning("the evaluation returned no score: no best checkpoint is kept from it")
            return None
        key = self._key(scores)
        return float(scores[key])

    def _key(self, scores: dict) -> str:
        key = next(iter(scores)) if self.save_best == "auto" else self.save_best
        if key not in scores:
            raise ConfigError(f"evaluation.save_best: {key!r} is not among the scores {sorted(scores)}")
        if self.rule is None:  # 'auto': known once the first scores come
            self.rule = infer_rule(key, self.greater_keys, self.less_keys)
        self.key_indicator = key
        return key

    def _save_ckpt(self, runner: Any, score: float) -> None:
        """Keep `score` as the best when it beats the best so far: first the record (the hook's state and
        `meta['hook_msgs']`), so that the file written next names itself as the best, then the file; the
        previous best file is removed once the new one is complete."""
        better = self.best_score is None or (score > self.best_score if self.rule == "greater"
                                             else score < self.best_score)
        if not better or math.isnan(score):
            return
        number = runner.epoch + 1 if self.by_epoch else runner.iter + 1
        name = f"best_{self.key_indicator}_{'epoch' if self.by_epoch else 'iter'}_{number}.pth"
        out_dir = self.out_dir or runner.work_dir
        previous = (self.best_score, self.best_ckpt)
        self._record(runner, score, os.path.join(out_dir, name))
        if runner.rank != 0:  # rank 0 writes; the other ranks keep the same record, so all ranks' states agree
            return
        try:
            state = runner.checkpoint_state()
            Checkpointer(out_dir, logger=runner.logger).save_best(
                name, state["model"], state["optimizer"], state["meta"], state["extra"], previous=previous[1])
        except BaseException:
            self._record(runner, *previous)
            raise
        runner.logger.info("best %s so far: %.4f, saved as %s", self.key_indicator, score, self.best_ckpt)

    def _record(self, runner: Any, score: float | None, path: str | None) -> None:
        self.best_score, self.best_ckpt = score, path
        runner.meta = runner.meta if runner.meta is not None else {}
        runner.meta.setdefault("hook_msgs", {}).update(best_score=score, best_ckpt=path)

    @property
    def best_ckpt_path(self) -> str | None:
        """mmcv's name of `best_ckpt`."""
        return self.best_ckpt

    def state_dict(self) -> dict:
        return {"best_score": self.best_score, "best_ckpt": self.best_ckpt}

    def load_state_dict(self, state: dict) -> None:
        # Checkpoints of earlier versions also hold 'initial_done': an evaluation at the start of a resumed
        # run is now decided as mmcv decides it, so it is not read.
        self.best_score, self.best_ckpt = state["best_score"], state["best_ckpt"]


def _resumed_mid_epoch(runner: Any) -> bool:
    # A run resumed inside an epoch (which mmcv cannot do) holds no epoch's weights at its start: nothing to
    # evaluate there as the end of an epoch.
    cursor = getattr(runner, "cursor", None)
    return cursor is not None and runner.data_loader is not None and cursor(runner.data_loader).state_dict()[
        "position"] > 0


def _check_local(out_dir: Any, file_client_args: dict | None) -> None:
    if out_dir is not None and (not isinstance(out_dir, (str, os.PathLike)) or "://" in os.fspath(out_dir)):
        raise ValueError(f"evaluation.out_dir must be a local directory, not {out_dir!r}")
    backend = (file_client_args or {}).get("backend", "disk")
    if backend not in ("disk", None):
        raise ValueError(f"evaluation.file_client_args: vidrun writes best checkpoints to local disk only, "
                         f"not with backend {backend!r}")
