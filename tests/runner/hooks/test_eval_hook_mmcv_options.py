"""`EvalHook` as mmcv 1.7 code uses it: its arguments (`test_fn`, `greater_keys`, `less_keys`, `out_dir`), what
is refused when the hook is built, when it evaluates (`start`, `interval`, a resumed run, by iteration), and the
best checkpoint's own record of itself."""
import os

import pytest
import torch

from vidrun.runner import EpochBasedRunner, EvalHook, Hook, IterBasedRunner, save_checkpoint
from vidrun.runner.inference_loops import single_process_test


class Scores:
    """A val loader whose dataset returns the next scripted scores (a dict, or a top1_acc) at each evaluation."""

    def __init__(self, loader, scores=None):
        self.loader, self.scores, self.calls = loader, list(scores or []), 0
        self.dataset = self

    def __iter__(self):
        return iter(self.loader)

    def __len__(self):
        return len(self.loader)

    def evaluate(self, results, logger=None, **kwargs):
        self.calls += 1
        score = self.scores.pop(0) if self.scores else 0.5
        return score if isinstance(score, dict) else {"top1_acc": score}


def make_runner(model, logger, work_dir, by_epoch=True, length=2, extra=()):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    if by_epoch:
        runner = EpochBasedRunner(model, optimizer, str(work_dir), logger, max_epochs=length)
    else:
        runner = IterBasedRunner(model, optimizer, str(work_dir), logger, max_iters=length)
    runner.register_training_hooks(None, dict(), dict(interval=1),
                                   dict(interval=50, hooks=[dict(type="TextLoggerHook")]),
                                   custom_hooks_config=list(extra))
    return runner


def train(runner, hook, loader, resume_from=None):
    runner.register_hook(hook, "LOW")
    if resume_from is not None:  # after the hook is registered, so that it gets its saved state
        runner.resume(str(resume_from))
    runner.run([loader], [("train", 1)])
    return runner


# (start, interval, resumed at, epochs or iterations in all, evaluations): mmcv 1.7's own table, plus start=0
# with interval 2 (mmcv evaluates before training only when that point is on the interval).
START_TABLE = [(None, 1, 0, 2, 2), (1, 1, 0, 2, 2), (None, 2, 0, 2, 1), (1, 2, 0, 3, 2), (0, 1, 0, 2, 3),
               (1, 1, 2, 3, 2), (2, 1, 1, 3, 2), (0, 2, 0, 4, 2)]


@pytest.mark.parametrize("by_epoch", [True, False])
@pytest.mark.parametrize("start,interval,resumed_at,length,expected", START_TABLE)
def test_when_it_evaluates_is_mmcvs_rule(by_epoch, start, interval, resumed_at, length, expected, toy_model,
                                         make_loader, quiet_logger, tmp_path):
    val = Scores(make_loader(size=4, shuffle=False))
    runner = make_runner(toy_model, quiet_logger, tmp_path, by_epoch, length)
    if by_epoch:
        runner._epoch, runner._iter = resumed_at, resumed_at * 6
    else:
        runner._iter = resumed_at
    train(runner, EvalHook(val, start=start, interval=interval, by_epoch=by_epoch), make_loader())
    assert val.calls == expected


def test_by_iteration_start_0_evaluates_before_the_first_iteration_and_logs_it_there(
        toy_model, make_loader, quiet_logger, tmp_path):
    val = Scores(make_loader(size=4, shuffle=False), [0.125, 0.25, 0.375])
    runner = make_runner(toy_model, quiet_logger, tmp_path, by_epoch=False, length=2)
    train(runner, EvalHook(val, start=0, by_epoch=False), make_loader())
    lines = [line.split("\t")[0] + " " + line.split("top1_acc: ")[1] for line in quiet_logger.lines
             if line.startswith("Iter(val)")]
    assert lines == ["Iter(val) [0] 0.1250", "Iter(val) [1] 0.2500", "Iter(val) [2] 0.3750"]


def test_a_run_resumed_past_start_evaluates_first(toy_model, make_model, make_loader, quiet_logger, tmp_path):
    first = Scores(make_loader(size=4, shuffle=False))
    train(make_runner(toy_model, quiet_logger, tmp_path, length=2), EvalHook(first, start=1), make_loader())
    assert first.calls == 2
    again = Scores(make_loader(size=4, shuffle=False))
    runner = make_runner(make_model(), quiet_logger, tmp_path / "again", length=3)
    train(runner, EvalHook(again, start=1), make_loader(), resume_from=tmp_path / "epoch_2.pth")
    assert again.calls == 2  # before epoch 3 (the resumed weights), and after it


def test_refused_when_built(make_loader):
    val = Scores(make_loader(size=4))
    with pytest.raises(TypeError, match=r"save_best must be None, 'auto' .* not True"):
        EvalHook(val, save_best=True)
    with pytest.raises(ValueError, match=r"cannot tell whether a greater or a smaller 'ratio' is better"):
        EvalHook(val, save_best="ratio")
    with pytest.raises(ValueError, match=r"rule must be 'greater' or 'less', not 'bigger'"):
        EvalHook(val, save_best="top1_acc", rule="bigger")
    with pytest.raises(TypeError, match=r"greater_keys must be a str or a list of str"):
        EvalHook(val, save_best="top1_acc", greater_keys=[1])
    with pytest.raises(ValueError, match=r"out_dir must be a local directory"):
        EvalHook(val, out_dir="s3://bucket/runs")
    with pytest.raises(ValueError, match=r"local disk only, not with backend 'petrel'"):
        EvalHook(val, file_client_args=dict(backend="petrel"))
    with pytest.raises(TypeError, match=r"test_fn must be a function"):
        EvalHook(val, test_fn="single_gpu_test")


def test_greater_and_less_keys_decide_the_rule(make_loader):
    val = Scores(make_loader(size=4))
    assert EvalHook(val, save_best="ratio", greater_keys="ratio").rule == "greater"
    assert EvalHook(val, save_best="ratio", less_keys=["ratio"]).rule == "less"
    assert EvalHook(val, save_best="ratio", rule="less").rule == "less"
    # as mmcv decides: an exact match first, then a greater key inside the name before a less one
    assert EvalHook(val, save_best="loss", greater_keys=["acc"], less_keys=["loss"]).rule == "less"
    assert EvalHook(val, save_best="acc_loss", greater_keys=["acc"], less_keys=["loss"]).rule == "greater"
    assert EvalHook(val, save_best="mIoU").rule == "greater"


def test_less_keys_keep_the_lowest(toy_model, make_loader, quiet_logger, tmp_path):
    val = Scores(make_loader(size=4, shuffle=False), [{"ratio": 0.5}, {"ratio": 0.25}, {"ratio": 0.75}])
    hook = EvalHook(val, save_best="ratio", less_keys="ratio")
    train(make_runner(toy_model, quiet_logger, tmp_path, length=3), hook, make_loader())
    assert hook.best_score == 0.25 and [p.name for p in tmp_path.glob("best_*")] == ["best_ratio_epoch_2.pth"]


def test_test_fn_gives_the_results(toy_model, make_loader, quiet_logger, tmp_path):
    seen = []

    def test_fn(model, dataloader):
        seen.append(dataloader)
        return single_process_test(model, dataloader)

    val = Scores(make_loader(size=4, shuffle=False))
    train(make_runner(toy_model, quiet_logger, tmp_path, length=1), EvalHook(val, test_fn=test_fn), make_loader())
    assert seen == [val] and val.calls == 1


def test_out_dir_holds_the_best_checkpoint(toy_model, make_loader, quiet_logger, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    val = Scores(make_loader(size=4, shuffle=False), [0.25, 0.5])
    hook = EvalHook(val, save_best="top1_acc", out_dir="~/best")
    runner = train(make_runner(toy_model, quiet_logger, tmp_path / "run_7", length=2), hook, make_loader())
    best = tmp_path / "home" / "best" / "run_7" / "best_top1_acc_epoch_2.pth"
    assert sorted(p.name for p in best.parent.iterdir()) == [best.name]  # the epoch-1 best was removed
    assert not list((tmp_path / "run_7").glob("best_*")) and runner.meta["hook_msgs"]["best_ckpt"] == str(best)


def test_an_empty_result_warns_and_keeps_no_best(toy_model, make_loader, quiet_logger, tmp_path):
    val = Scores(make_loader(size=4, shuffle=False), [{}, {"top1_acc": 0.5}])
    hook = EvalHook(val, save_best="auto")
    with pytest.warns(UserWarning, match="returned no score: no best checkpoint"):
        train(make_runner(toy_model, quiet_logger, tmp_path, length=2), hook, make_loader())
    assert [p.name for p in tmp_path.glob("best_*")] == ["best_top1_acc_epoch_2.pth"]


def test_a_best_checkpoint_records_itself_and_a_resume_from_it_replaces_it(
        toy_model, make_model, make_loader, quiet_logger, tmp_path):
    val = Scores(make_loader(size=4, shuffle=False), [0.5])
    train(make_runner(toy_model, quiet_logger, tmp_path, length=1), EvalHook(val, save_best="top1_acc"),
          make_loader())
    best = tmp_path / "best_top1_acc_epoch_1.pth"
    saved = torch.load(best, weights_only=True)
    assert saved["meta"]["hook_msgs"]["best_ckpt"] == str(best) and saved["meta"]["hook_msgs"]["best_score"] == 0.5
    assert saved["hooks"]["EvalHook"] == {"best_score": 0.5, "best_ckpt": str(best)}

    # Resumed from the best file: 0.25 does not beat its 0.5; 0.75 does, and the file gives way to the new one.
    val = Scores(make_loader(size=4, shuffle=False), [0.25, 0.75])
    runner = make_runner(make_model(), quiet_logger, tmp_path, length=3)
    hook = EvalHook(val, save_best="top1_acc")
    train(runner, hook, make_loader(), resume_from=best)
    assert [p.name for p in tmp_path.glob("best_*")] == ["best_top1_acc_epoch_3.pth"]
    assert hook.best_score == 0.75


def test_a_best_recorded_by_mmcv_in_meta_only_is_kept(toy_model, make_loader, quiet_logger, tmp_path):
    old_best = tmp_path / "best_top1_acc_epoch_1.pth"
    save_checkpoint(toy_model, old_best, meta=dict(epoch=1, iter=6, hook_msgs=dict(
        best_score=0.5, best_ckpt=str(old_best), last_ckpt=str(old_best))))
    val = Scores(make_loader(size=4, shuffle=False), [0.25, 0.75])
    runner = make_runner(toy_model, quiet_logger, tmp_path, length=3)
    train(runner, EvalHook(val, save_best="top1_acc"), make_loader(), resume_from=old_best)
    assert [p.name for p in tmp_path.glob("best_*")] == ["best_top1_acc_epoch_3.pth"]
    assert os.path.exists(tmp_path / "epoch_2.pth")


def test_a_run_resumed_inside_an_epoch_does_not_evaluate_first(make_model, make_loader, quiet_logger, tmp_path):
    runner = make_runner(make_model(), quiet_logger, tmp_path, length=1)
    runner.register_hook(CheckpointHookByIter(), "NORMAL")
    runner.run([make_loader()], [("train", 1)])
    val = Scores(make_loader(size=4, shuffle=False))
    again = make_runner(make_model(), quiet_logger, tmp_path / "again", length=2)
    train(again, EvalHook(val, start=0), make_loader(), resume_from=tmp_path / "iter_3.pth")
    assert val.calls == 2  # after epochs 1 and 2, not at iteration 3 of 6


class CheckpointHookByIter(Hook):
    def after_train_iter(self, runner):
        if runner.iter == 2:
            runner.save_checkpoint(runner.work_dir, "iter_3.pth")
