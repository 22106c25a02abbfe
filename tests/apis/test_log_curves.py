"""`load_log` and `TrainingLog.curve`: where each logged value of a `.log.json` sits in training, checked against
positions worked out by hand for by-epoch logs (with and without the tail `ignore_last` drops) and by-iteration
logs."""
import json

import pytest

from vidrun.apis.log_curves import LogError, load_log, run_names


def write_log(path, records, text=None):
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    if text is not None:  # the human-readable log beside it: <timestamp>.log
        path.with_name(path.name.removesuffix(".json")).write_text(text)
    return path


def train(epoch, inner, loss, **values):
    return dict(mode="train", epoch=epoch, iter=inner, lr=0.1, time=0.5, data_time=0.01, loss=loss, **values)


def val(epoch, inner, acc):
    return dict(mode="val", epoch=epoch, iter=inner, lr=0.1, top1_acc=acc, top5_acc=1.0)


# 25 iterations an epoch logged every 10 with ignore_last: the 5 of each epoch's tail are never written.
SHORT_TAIL = [train(1, 10, 2.0), train(1, 20, 1.8), val(1, 25, 0.3),
              train(2, 10, 1.5), train(2, 20, 1.2), val(2, 25, 0.5)]
TEXT = ("2026-01-01 10:00:00,000 - vidrun - INFO - Epoch [1][10/25]\tlr: 1.000e-01, time: 0.5000, loss: 2.0000\n"
        "2026-01-01 10:00:01,000 - vidrun - INFO - Epoch(val) [1][25]\ttop1_acc: 0.3000\n")


def test_the_text_log_beside_the_json_gives_the_iterations_per_epoch(tmp_path):
    log = load_log(write_log(tmp_path / "20260101_100000.log.json", SHORT_TAIL, TEXT))
    assert log.by_epoch and log.iters_per_epoch == 25 and log.iters_per_epoch_from == "20260101_100000.log"
    assert log.curve("loss", "train") == ([10, 20, 35, 45], [2.0, 1.8, 1.5, 1.2])
    assert log.curve("top1_acc", "val") == ([25, 50], [0.3, 0.5])  # at the end of their epoch
    assert log.curve("loss", "train", x="epoch") == ([0.4, 0.8, 1.4, 1.8], [2.0, 1.8, 1.5, 1.2])
    assert log.curve("top1_acc", "val", x="epoch") == ([1, 2], [0.3, 0.5])
    assert log.curve("top1_acc", "train") == ([], [])
    assert log.keys("val") == {"lr", "top1_acc", "top5_acc"}
    assert log.keys() == {"lr", "time", "data_time", "loss", "top1_acc", "top5_acc"}


def test_without_the_text_log_the_largest_logged_iteration_is_used(tmp_path):
    log = load_log(write_log(tmp_path / "run.log.json", SHORT_TAIL))
    assert log.iters_per_epoch == 20 and log.iters_per_epoch_from == "largest logged iter"
    assert log.curve("loss", "train")[0] == [10, 20, 30, 40]  # short by the unlogged tail, as documented
    given = load_log(tmp_path / "run.log.json", iters_per_epoch=25)
    assert given.iters_per_epoch_from == "given" and given.curve("loss", "train")[0] == [10, 20, 35, 45]


def test_a_logged_tail_makes_the_largest_iteration_exact(tmp_path):
    records = [train(1, 10, 2.0), train(1, 20, 1.8), train(1, 25, 1.7), val(1, 25, 0.3),
               train(2, 10, 1.5), train(2, 20, 1.2), train(2, 25, 1.1), val(2, 25, 0.5)]  # ignore_last=False
    log = load_log(write_log(tmp_path / "run.log.json", records))
    assert log.by_epoch and log.iters_per_epoch == 25
    assert log.curve("loss", "train") == ([10, 20, 25, 35, 45, 50], [2.0, 1.8, 1.7, 1.5, 1.2, 1.1])
    assert log.curve("top1_acc", "val")[0] == [25, 50]


def test_a_val_workflow_line_is_placed_by_its_epoch_not_its_val_loader_length(tmp_path):
    records = [train(1, 4, 2.0), dict(val(1, 3, 0.2), time=0.1), train(2, 4, 1.0), dict(val(2, 3, 0.4), time=0.1)]
    log = load_log(write_log(tmp_path / "run.log.json", records))
    assert log.by_epoch and log.curve("top1_acc", "val")[0] == [4, 8]


def test_an_evaluation_before_training_is_at_0_and_a_resumed_run_s_where_it_resumed(tmp_path):
    # evaluation=dict(start=0): a val line of the weights training starts from, with no epoch trained yet
    records = [val(0, 0, 0.1), train(1, 10, 2.0), train(1, 20, 1.8), val(1, 20, 0.3)]
    log = load_log(write_log(tmp_path / "start.log.json", records))
    assert log.by_epoch and log.iters_per_epoch == 20
    assert log.curve("top1_acc", "val") == ([0, 20], [0.1, 0.3])
    assert log.curve("top1_acc", "val", x="epoch") == ([0, 1], [0.1, 0.3])
    # a run resumed after 2 epochs evaluates at its start: at the end of epoch 2
    resumed = [val(2, 0, 0.4), train(3, 10, 1.5), train(3, 20, 1.2), val(3, 20, 0.5)]
    log = load_log(write_log(tmp_path / "resumed.log.json", resumed))
    assert log.by_epoch and log.curve("top1_acc", "val") == ([40, 60], [0.4, 0.5])
    assert log.curve("loss", "train")[0] == [50, 60]


def test_an_epoch_0_line_makes_a_log_by_epoch(tmp_path):
    # one epoch with two val lines (an evaluation and a val flow) would otherwise read as by iteration
    records = [val(0, 0, 0.1), train(1, 10, 2.0), train(1, 20, 1.8), val(1, 20, 0.3), val(1, 4, 0.3)]
    log = load_log(write_log(tmp_path / "run.log.json", records))
    assert log.by_epoch and log.curve("top1_acc", "val")[0] == [0, 20, 20]


def test_a_by_iteration_log_uses_the_global_iteration(tmp_path):
    records = [train(1, 10, 2.0), train(1, 20, 1.8), val(1, 20, 0.3), train(2, 30, 1.5), train(2, 40, 1.2),
               val(2, 40, 0.5), train(3, 50, 1.0)]  # epoch counts passes over 25 iterations of data
    log = load_log(write_log(tmp_path / "run.log.json", records))
    assert not log.by_epoch and log.iters_per_epoch is None
    assert log.curve("loss", "train") == ([10, 20, 30, 40, 50], [2.0, 1.8, 1.5, 1.2, 1.0])
    assert log.curve("top1_acc", "val") == ([20, 40], [0.3, 0.5])
    with pytest.raises(LogError, match=r"run.log.json: placing a by-iteration log on an epoch axis needs the "
                                       r"iterations per epoch.*--iters-per-epoch"):
        log.curve("loss", "train", x="epoch")
    given = load_log(tmp_path / "run.log.json", iters_per_epoch=25)
    assert given.curve("top1_acc", "val", x="epoch") == ([0.8, 1.6], [0.3, 0.5])


def test_the_unit_is_told_apart_without_a_text_log(tmp_path):
    one_pass = [train(1, 10, 2.0), val(1, 10, 0.3), train(1, 20, 1.8), val(1, 20, 0.5)]  # two evaluations
    assert not load_log(write_log(tmp_path / "a.log.json", one_pass)).by_epoch
    one_epoch = [train(1, 10, 2.0), train(1, 20, 1.8), val(1, 25, 0.5)]
    assert load_log(write_log(tmp_path / "b.log.json", one_epoch)).by_epoch
    same_inner = [train(1, 3, 2.0), train(2, 3, 1.8)]  # an epoch shorter than the interval logs its end
    assert load_log(write_log(tmp_path / "c.log.json", same_inner)).by_epoch
    text = "2026-01-01 10:00:00,000 - vidrun - INFO - Iter [10/100]\tlr: 1.000e-01, loss: 2.0000\n"
    assert not load_log(write_log(tmp_path / "d.log.json", one_epoch, text)).by_epoch


def test_unreadable_logs_name_the_file_and_line(tmp_path):
    (tmp_path / "bad.log.json").write_text('{"env_info": "header lines are skipped"}\n' + json.dumps(
        train(1, 10, 2.0)) + "\n{not json\n")
    with pytest.raises(LogError, match=r"bad.log.json:3: not a JSON line"):
        load_log(tmp_path / "bad.log.json")
    (tmp_path / "empty.log.json").write_text('{"env_info": "x"}\n')
    with pytest.raises(LogError, match="no log lines with mode, epoch and iter"):
        load_log(tmp_path / "empty.log.json")
    with pytest.raises(FileNotFoundError):
        load_log(tmp_path / "missing.log.json")


def test_val_only_logs_need_the_iterations_per_epoch_on_an_iteration_axis(tmp_path):
    log = load_log(write_log(tmp_path / "run.log.json", [val(1, 25, 0.3), val(2, 25, 0.5)]))
    assert log.curve("top1_acc", "val", x="epoch")[0] == [1, 2]
    with pytest.raises(LogError, match="placing val lines on an iteration axis needs the iterations per epoch"):
        log.curve("top1_acc", "val")


def test_run_names(tmp_path):
    for folder in ("a", "b", "c/a"):
        (tmp_path / folder).mkdir(parents=True)
    a, b, ca = (str(tmp_path / folder / "20260101_100000.log.json") for folder in ("a", "b", "c/a"))
    assert run_names([a, str(tmp_path / "a" / "20260102_090000.log.json")]) == ["20260101_100000",
                                                                                 "20260102_090000"]
    assert run_names([a, b]) == ["a", "b"]
    assert run_names([a, b, str(tmp_path / "a" / "x.log.json")]) == ["a/20260101_100000", "b", "a/x"]
    assert run_names([a, b, ca]) == [a, "b", ca]  # the same folder and file names: the paths tell them apart
