import json
import re

import numpy as np

import pytest
import torch

from vidrun.apis.log_curves import load_log
from vidrun.cli.main import main
from vidrun.runner import EpochBasedRunner, EvalHook, Hook, IterBasedRunner


def trained(runner_cls, model, logger, work_dir, loaders, workflow, interval, ignore_last=True, length=2,
            loggers=1):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    length_arg = {"max_epochs": length} if runner_cls is EpochBasedRunner else {"max_iters": length}
    runner = runner_cls(model, optimizer, str(work_dir), logger, **length_arg)
    runner.register_training_hooks(
        dict(policy="fixed"), dict(), None,
        dict(interval=interval, hooks=[dict(type="TextLoggerHook", ignore_last=ignore_last)] * loggers))
    runner.run(loaders, workflow)
    records = [json.loads(line) for line in (work_dir / f"{runner.timestamp}.log.json").read_text().splitlines()]
    return runner, records


def test_epoch_lines_and_json_records(toy_model, make_loader, quiet_logger, tmp_path):
    loaders = [make_loader(size=24), make_loader(size=8, shuffle=False)]  # 6 train batches, 2 val
    _, records = trained(EpochBasedRunner, toy_model, quiet_logger, tmp_path, loaders,
                         [("train", 1), ("val", 1)], interval=2)
    places = [(r["mode"], r["epoch"], r["iter"]) for r in records]
    assert places == [("train", 1, 2), ("train", 1, 4), ("train", 1, 6), ("val", 1, 2),
                      ("train", 2, 2), ("train", 2, 4), ("train", 2, 6), ("val", 2, 2)]
    train = records[0]
    assert {"lr", "time", "data_time", "loss", "loss_cls"} <= set(train)
    assert train["lr"] == 0.1 and "momentum" not in train
    assert all(v == round(v, 5) for v in train.values() if isinstance(v, float))
    assert records[3]["mode"] == "val" and "loss" in records[3] and "time" in records[3]
    line = next(line for line in quiet_logger.lines if line.startswith("Epoch [1][2/6]"))
    assert re.fullmatch(r"Epoch \[1\]\[2/6\]\tlr: 1\.000e-01, eta: \d+:\d\d:\d\d, time: [\d.e-]+, "
                        r"data_time: [\d.e-]+, loss_cls: \d\.\d{4}, loss: \d\.\d{4}", line), line
    assert any(line.startswith("Epoch(val) [1][2]\tlr: 1.000e-01, time: ") for line in quiet_logger.lines)


def test_incomplete_tail_is_skipped_with_ignore_last_and_kept_without(toy_model, make_loader, quiet_logger,
                                                                      tmp_path):
    _, records = trained(EpochBasedRunner, toy_model, quiet_logger, tmp_path / "a", [make_loader(size=20)],
                         [("train", 1)], interval=2, length=1)  # 5 batches: logs at 2 and 4
    assert [r["iter"] for r in records] == [2, 4]
    _, records = trained(EpochBasedRunner, toy_model, quiet_logger, tmp_path / "b", [make_loader(size=20)],
                         [("train", 1)], interval=2, ignore_last=False, length=1)
    assert [r["iter"] for r in records] == [2, 4, 5]


def test_interval_longer_than_an_epoch_still_logs_each_epoch(toy_model, make_loader, quiet_logger, tmp_path):
    _, records = trained(EpochBasedRunner, toy_model, quiet_logger, tmp_path, [make_loader(size=12)],
                         [("train", 1)], interval=50)
    assert [(r["epoch"], r["iter"]) for r in records] == [(1, 3), (2, 3)]


def test_iter_runner_logs_val_on_its_own_lines(toy_model, make_loader, quiet_logger, tmp_path):
    loaders = [make_loader(size=8), make_loader(size=8, shuffle=False)]
    _, records = trained(IterBasedRunner, toy_model, quiet_logger, tmp_path, loaders,
                         [("train", 2), ("val", 2)], interval=2, length=4)
    assert [(r["mode"], r["iter"]) for r in records] == [("train", 2), ("val", 2), ("train", 4), ("val", 4)]
    assert "time" in records[0] and records[1].keys() >= {"loss", "time"}
    assert any(line.startswith("Iter [2/4]\t") for line in quiet_logger.lines)
    assert any(line.startswith("Iter(val) [2]\t") for line in quiet_logger.lines)


def test_every_logger_of_an_iter_runner_gets_the_val_flow_values(toy_model, make_loader, quiet_logger, tmp_path):
    loaders = [make_loader(size=8), make_loader(size=8, shuffle=False)]
    _, records = trained(IterBasedRunner, toy_model, quiet_logger, tmp_path, loaders,
                         [("train", 2), ("val", 2)], interval=2, length=4, loggers=2)
    val = [r for r in records if r["mode"] == "val"]
    assert len(val) == 4 and all("loss" in r for r in val)  # each logger wrote both val flows in full


def evaluated(model, logger, work_dir, loaders, length, resume_from=None, loggers=("TextLoggerHook",)):
    """A by-epoch run with `evaluation=dict(start=0)`, resumed from `resume_from` when given: its json log."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    runner = EpochBasedRunner(model, optimizer, str(work_dir), logger, max_epochs=length)
    runner.register_training_hooks(dict(policy="fixed"), dict(), dict(interval=1),
                                   dict(interval=2, hooks=[dict(type=name) for name in loggers]))
    runner.register_hook(EvalHook(loaders[1], start=0), "LOW")
    if resume_from is not None:
        runner.resume(str(resume_from))
    runner.run(loaders[:1], [("train", 1)])
    return work_dir / f"{runner.timestamp}.log.json"


def read(path):
    """The records of a `.log.json`, without the meta line a runner with `meta` (a resumed one) writes first."""
    return [r for r in map(json.loads, path.read_text().splitlines()) if "mode" in r]


def test_an_evaluation_before_training_is_logged_at_epoch_0_iteration_0(toy_model, make_loader, quiet_logger,
                                                                        tmp_path):
    loaders = [make_loader(size=24), make_loader(size=8, shuffle=False)]  # 6 train batches
    json_log = evaluated(toy_model, quiet_logger, tmp_path, loaders, length=2)
    records = read(json_log)
    places = [(r["mode"], r["epoch"], r["iter"]) for r in records]
    assert places == [("val", 0, 0), ("train", 1, 2), ("train", 1, 4), ("train", 1, 6), ("val", 1, 6),
                      ("train", 2, 2), ("train", 2, 4), ("train", 2, 6), ("val", 2, 6)]
    assert "top1_acc" in records[0] and "loss" not in records[0]
    val_lines = [line for line in quiet_logger.lines if line.startswith("Epoch(val)")]
    assert val_lines[0].startswith("Epoch(val) [0][0]\tlr: 1.000e-01, top1_acc: ")
    assert quiet_logger.lines.index(val_lines[0]) < next(
        i for i, line in enumerate(quiet_logger.lines) if line.startswith("Epoch [1][2/6]"))
    assert load_log(json_log).curve("top1_acc", "val")[0] == [0, 6, 12]  # as plot-curve draws it


def test_a_resumed_run_logs_its_first_evaluation_where_it_resumed(make_model, make_loader, quiet_logger, tmp_path):
    loaders = [make_loader(size=24), make_loader(size=8, shuffle=False)]
    optimizer = torch.optim.SGD(make_model().parameters(), lr=0.1)
    first = EpochBasedRunner(make_model(), optimizer, str(tmp_path / "first"), quiet_logger, max_epochs=1)
    first.register_training_hooks(None, dict(), dict(interval=1), None)  # no evaluation: none done at resume
    first.run(loaders[:1], [("train", 1)])
    json_log = evaluated(make_model(), quiet_logger, tmp_path / "resumed", loaders, length=2,
                         resume_from=tmp_path / "first" / "epoch_1.pth")
    records = read(json_log)
    assert [(r["mode"], r["epoch"], r["iter"]) for r in records] == [
        ("val", 1, 0), ("train", 2, 2), ("train", 2, 4), ("train", 2, 6), ("val", 2, 6)]
    assert load_log(json_log).curve("top1_acc", "val")[0] == [6, 12]


def test_a_run_that_raises_ends_its_log_with_the_exception(toy_model, make_loader, quiet_logger, tmp_path):
    class FailAtIter(Hook):
        def before_train_iter(self, runner):
            if runner.iter == 8:
                raise ValueError("disk full")

    runner = EpochBasedRunner(toy_model, torch.optim.SGD(toy_model.parameters(), lr=0.1), str(tmp_path),
                              quiet_logger, max_epochs=2)
    runner.register_training_hooks(None, dict(), None, dict(interval=2, hooks=[dict(type="TextLoggerHook")]))
    runner.register_hook(FailAtIter(), "HIGHEST")
    with pytest.raises(ValueError, match="disk full"):
        runner.run([make_loader(size=24)], [("train", 1)])
    assert quiet_logger.lines[-1] == ("the run stopped in epoch 2, iter 9 (train): ValueError: "
                                      "FailAtIter.before_train_iter (epoch 2, iter 9): disk full")


def test_the_json_log_starts_with_the_runs_meta(toy_model, make_loader, quiet_logger, tmp_path):
    meta = dict(seed=7, config="model = dict(type='ToyModel')\n", env={"Python": "3.11"}, exp_name="toy.py",
                ratio=np.float64(0.123456789), count=np.int64(3))
    runner = EpochBasedRunner(toy_model, torch.optim.SGD(toy_model.parameters(), lr=0.1), str(tmp_path),
                              quiet_logger, meta=meta, max_epochs=1)
    runner.register_training_hooks(None, dict(), None, dict(interval=2, hooks=[dict(type="TextLoggerHook")]))
    runner.run([make_loader(size=8)], [("train", 1)])
    path = tmp_path / f"{runner.timestamp}.log.json"
    first, *records = map(json.loads, path.read_text().splitlines())
    assert first == dict(seed=7, config="model = dict(type='ToyModel')\n", env={"Python": "3.11"},
                         exp_name="toy.py", ratio=0.12346, count=3)
    assert [(r["mode"], r["epoch"], r["iter"]) for r in records] == [("train", 1, 2)]
    assert load_log(path).curve("loss", "train")[0] == [2]  # plot-curve and analyze-logs skip the meta line
    for argv in (["analyze-logs", "cal-train-time", str(path), "--include-outliers"],
                 ["plot-curve", str(path), "--keys", "loss", "--out", str(tmp_path / "loss.png")]):
        with pytest.raises(SystemExit) as finished:
            main(argv)
        assert finished.value.code == 0, argv
    assert (tmp_path / "loss.png").stat().st_size > 0
