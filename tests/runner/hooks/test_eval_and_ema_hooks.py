import io
import sys

import pytest
import torch

from vidrun.config import ConfigError
from vidrun.runner import EMAHook, EpochBasedRunner, EvalHook, Hook, IterBasedRunner


class ScriptedScores:
    """A val loader whose dataset returns a scripted top1_acc at each evaluation."""

    def __init__(self, loader, scores):
        self.loader, self.scores, self.calls = loader, list(scores), []
        self.dataset = self
        self.sampler = None

    def __iter__(self):
        return iter(self.loader)

    def __len__(self):
        return len(self.loader)

    def evaluate(self, results, logger=None, **kwargs):
        self.calls.append((len(results), kwargs))
        return {"top1_acc": self.scores.pop(0), "loss_val": 1.0}


def run(model, logger, work_dir, train, eval_hook, length=4, runner_cls=EpochBasedRunner, extra=()):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    length_arg = {"max_epochs": length} if runner_cls is EpochBasedRunner else {"max_iters": length}
    runner = runner_cls(model, optimizer, str(work_dir), logger, **length_arg)
    runner.register_training_hooks(None, dict(), None, dict(interval=50, hooks=[dict(type="TextLoggerHook")]),
                                   custom_hooks_config=list(extra))
    runner.register_hook(eval_hook, "LOW")
    runner.run([train], [("train", 1)])
    return runner


def test_interval_start_kwargs_and_best_checkpoint(toy_model, make_loader, quiet_logger, tmp_path):
    val = ScriptedScores(make_loader(size=8, shuffle=False), [0.0, 0.5, 0.25])
    hook = EvalHook(val, start=0, interval=1, save_best="auto", metrics=["top_k_accuracy"])
    runner = run(toy_model, quiet_logger, tmp_path, make_loader(), hook, length=2)
    # start=0: before training (0.0), then after epochs 1 (0.5, the best) and 2 (0.25)
    assert [kwargs for _, kwargs in val.calls] == [{"metrics": ["top_k_accuracy"]}] * 3
    assert all(count == 8 for count, _ in val.calls)
    assert [p.name for p in tmp_path.glob("best_*.pth")] == ["best_top1_acc_epoch_1.pth"]
    assert hook.best_score == 0.5 and runner.meta["hook_msgs"]["best_score"] == 0.5
    saved = torch.load(tmp_path / "best_top1_acc_epoch_1.pth", weights_only=True)
    assert saved["meta"]["epoch"] == 1


class TrainingMode(Hook):
    def __init__(self):
        self.modes = []

    def before_train_iter(self, runner):
        self.modes.append(runner.model.training)


def test_training_goes_on_in_train_mode_after_an_evaluation(toy_model, make_loader, quiet_logger, tmp_path):
    val = ScriptedScores(make_loader(size=8, shuffle=False), [0.5] * 3)
    modes = TrainingMode()
    run(toy_model, quiet_logger, tmp_path, make_loader(), EvalHook(val, start=0), length=2, extra=[modes])
    assert modes.modes and all(modes.modes)  # evaluated before epoch 1 (start=0): BN and dropout still train


def test_a_best_score_of_zero_counts(toy_model, make_loader, quiet_logger, tmp_path):
    val = ScriptedScores(make_loader(size=8, shuffle=False), [0.0, 0.0])
    hook = EvalHook(val, save_best="top1_acc")
    run(toy_model, quiet_logger, tmp_path, make_loader(), hook, length=2)
    assert hook.best_score == 0.0 and [p.name for p in tmp_path.glob("best_*.pth")] == ["best_top1_acc_epoch_1.pth"]


def test_rule_less_for_losses_and_unknown_key(toy_model, make_loader, quiet_logger, tmp_path):
    val = ScriptedScores(make_loader(size=8, shuffle=False), [0.1, 0.2])
    hook = EvalHook(val, save_best="loss_val")
    run(toy_model, quiet_logger, tmp_path / "a", make_loader(), hook, length=2)
    assert hook.best_score == 1.0
    hook = EvalHook(ScriptedScores(make_loader(size=8), [0.1]), save_best="top5_acc")
    with pytest.raises(ConfigError, match="save_best: 'top5_acc' is not among the scores"):
        run(toy_model, quiet_logger, tmp_path / "b", make_loader(), hook, length=1)


def test_by_iteration(toy_model, make_loader, quiet_logger, tmp_path):
    val = ScriptedScores(make_loader(size=8, shuffle=False), [0.1, 0.2, 0.3])
    run(toy_model, quiet_logger, tmp_path, make_loader(), EvalHook(val, interval=3, by_epoch=False),
        length=9, runner_cls=IterBasedRunner)
    assert len(val.calls) == 3


def test_eval_scores_are_logged_as_val_lines(toy_model, make_loader, quiet_logger, tmp_path):
    val = ScriptedScores(make_loader(size=8, shuffle=False), [0.5])
    run(toy_model, quiet_logger, tmp_path, make_loader(), EvalHook(val), length=1)
    assert any(line.startswith("Epoch(val) [1][6]") and "top1_acc: 0.5000" in line for line in quiet_logger.lines)


def test_a_terminal_sees_a_progress_bar_during_evaluation(toy_model, make_loader, quiet_logger, tmp_path,
                                                           monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    val = ScriptedScores(make_loader(size=8, shuffle=False), [0.5])
    run(toy_model, quiet_logger, tmp_path, make_loader(), EvalHook(val), length=1)
    assert sys.stderr.getvalue().startswith("\rval:   0%|")


def test_ema_formula_and_swap(toy_model, make_loader, quiet_logger, tmp_path):
    class Snapshot(Hook):
        """Records the weights the model holds after EMA's end-of-epoch swap (what eval would see)."""

        def __init__(self):
            self.seen = []

        def after_train_epoch(self, runner):
            self.seen.append(runner.model.head.weight.detach().clone())

    start = toy_model.head.weight.detach().clone()
    ema = EMAHook(momentum=0.5, warm_up=1)
    snapshot = Snapshot()
    runner = run(toy_model, quiet_logger, tmp_path, make_loader(size=4), Hook(), length=1,
                 extra=[ema, snapshot])
    # one iteration: m_0 = min(0.5, 1/1) = 0.5, so the average is half the start, half the stepped weight
    trained = toy_model.ema_head_weight  # swapped: the ema_ buffer holds the training weights now
    assert torch.allclose(snapshot.seen[0], 0.5 * start + 0.5 * trained)
    assert ema.swapped and torch.equal(runner.model.head.weight.detach(), snapshot.seen[0])
