"""`draw_curves` and `draw_schedule`: what the figures hold (subplots, lines, styles, labels, legends, titles),
read back from the matplotlib objects."""
import json

import pytest

from vidrun.apis.figures import draw_curves, draw_schedule
from vidrun.apis.log_curves import LogError, load_log

RECORDS = [
    dict(mode="train", epoch=1, iter=2, lr=0.1, time=0.5, loss=2.0, top1_acc=0.2),
    dict(mode="train", epoch=1, iter=4, lr=0.1, time=0.5, loss=1.5, top1_acc=0.4),
    dict(mode="val", epoch=1, iter=4, lr=0.1, top1_acc=0.5),
    dict(mode="train", epoch=2, iter=2, lr=0.1, time=0.5, loss=1.0, top1_acc=0.6),
    dict(mode="train", epoch=2, iter=4, lr=0.1, time=0.5, loss=0.5, top1_acc=0.8),
    dict(mode="val", epoch=2, iter=4, lr=0.1, top1_acc=0.7),
]


@pytest.fixture
def logs(tmp_path):
    paths = []
    for run, scale in (("run_a", 1.0), ("run_b", 0.5)):
        (tmp_path / run).mkdir()
        paths.append(tmp_path / run / "20260101_100000.log.json")
        paths[-1].write_text("".join(json.dumps({k: v * scale if k == "loss" else v for k, v in r.items()}) + "\n"
                                     for r in RECORDS))
    return [load_log(path) for path in paths]


def test_one_subplot_a_key_one_line_a_log_and_mode(logs):
    fig = draw_curves(logs, ["loss", "top1_acc"])
    loss, acc = fig.axes
    assert fig._suptitle.get_text() == "training curves: run_a, run_b"
    assert (loss.get_ylabel(), acc.get_ylabel(), acc.get_xlabel()) == ("loss", "top1_acc", "iteration")
    assert [line.get_label() for line in loss.lines] == ["run_a train", "run_b train"]  # loss is train-only
    assert [t.get_text() for t in loss.get_legend().get_texts()] == ["run_a train", "run_b train"]
    assert [line.get_label() for line in acc.lines] == ["run_a train", "run_a val", "run_b train", "run_b val"]
    train, val = acc.lines[:2]
    assert list(train.get_xdata()) == [2, 4, 6, 8] and list(train.get_ydata()) == [0.2, 0.4, 0.6, 0.8]
    assert list(val.get_xdata()) == [4, 8] and list(val.get_ydata()) == [0.5, 0.7]
    assert (train.get_linestyle(), train.get_marker()) == ("-", "None")
    assert (val.get_linestyle(), val.get_marker()) == ("--", "o")
    assert train.get_color() == val.get_color() != acc.lines[2].get_color()  # a colour a log
    assert list(loss.lines[1].get_ydata()) == [1.0, 0.75, 0.5, 0.25]


def test_names_title_and_epoch_axis(logs):
    fig = draw_curves(logs, ["top1_acc"], names=["base", "tuned"], title="my runs", x="epoch")
    (acc,) = fig.axes
    assert fig._suptitle.get_text() == "my runs" and acc.get_xlabel() == "epoch"
    assert [t.get_text() for t in acc.get_legend().get_texts()] == ["base train", "base val", "tuned train",
                                                                    "tuned val"]
    assert list(acc.lines[0].get_xdata()) == [0.5, 1.0, 1.5, 2.0] and list(acc.lines[1].get_xdata()) == [1, 2]


def test_wrong_names_and_missing_keys_are_errors(logs):
    with pytest.raises(LogError, match="1 legend names for 2 logs"):
        draw_curves(logs, ["loss"], names=["one"])
    expected = r"lss \(did you mean 'loss'\?\), acc not in any of the logs; the logs have: loss, lr, time, top1_acc"
    with pytest.raises(LogError, match=expected):
        draw_curves(logs, ["lss", "loss", "acc"])


def test_schedule_has_a_title_labels_and_a_legend_always():
    trace = dict(iters_per_epoch=2, max_iters=4, lr=[[0.1, 0.1]] * 2 + [[0.01, 0.01]] * 2,
                 momentum=[[0.9, 0.9]] * 4)
    fig = draw_schedule(trace, "lr schedule of cfg.py")
    lr, momentum = fig.axes
    assert fig._suptitle.get_text() == "lr schedule of cfg.py"
    assert (lr.get_ylabel(), momentum.get_ylabel()) == ("lr", "momentum")
    assert momentum.get_xlabel() == "iteration (2 per epoch)"
    assert [t.get_text() for t in lr.get_legend().get_texts()] == ["all 2 groups"]
    assert list(lr.lines[0].get_xdata()) == [1, 2, 3, 4] and list(lr.lines[0].get_ydata()) == [0.1, 0.1, 0.01, 0.01]
    assert [axis.get_xlabel() for axis in lr.child_axes] == ["epoch"]  # the secondary axis on top

    trace = dict(iters_per_epoch=2, max_iters=2, lr=[[0.1, 0.2, 0.1]] * 2, momentum=[[None] * 3] * 2)
    fig = draw_schedule(trace, "t")
    assert len(fig.axes) == 1  # no momentum to draw
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["2 groups (first: 0)", "group 1"]
    trace = dict(iters_per_epoch=2, max_iters=2, lr=[[0.1]] * 2, momentum=[[None]] * 2)
    assert [t.get_text() for t in draw_schedule(trace, "t").axes[0].get_legend().get_texts()] == ["group 0"]
