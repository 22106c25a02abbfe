"""`train_time`: seconds per iteration by epoch, checked against sums done by hand."""
import json

import pytest

from vidrun.apis.log_curves import LogError, load_log
from vidrun.apis.train_time import train_time


def load(tmp_path, times_by_epoch, extra=()):
    lines = [dict(mode="train", epoch=epoch, iter=10 * (n + 1), time=t, loss=1.0)
             for epoch, times in times_by_epoch.items() for n, t in enumerate(times)]
    path = tmp_path / "run.log.json"
    path.write_text("".join(json.dumps(line) + "\n" for line in [*lines, *extra]))
    return load_log(path)


def test_first_line_of_each_epoch_is_left_out_by_default(tmp_path):
    # the first line of each epoch (9.0, 7.0, 5.0) includes starting the loader
    log = load(tmp_path, {1: [9.0, 0.2, 0.4], 2: [7.0, 0.5, 0.7, 0.6], 3: [5.0, 0.25]},
               extra=[dict(mode="val", epoch=1, iter=30, time=50.0, top1_acc=0.5)])  # val times do not count
    times = train_time(log)
    assert times.per_epoch == pytest.approx({1: 0.3, 2: 0.6, 3: 0.25})
    assert times.lines == {1: 2, 2: 3, 3: 1}
    assert times.slowest == 2 and times.fastest == 3
    mean = (0.3 + 0.6 + 0.25) / 3
    assert times.std == pytest.approx((((0.3 - mean) ** 2 + (0.6 - mean) ** 2 + (0.25 - mean) ** 2) / 3) ** 0.5)
    assert times.average == pytest.approx((0.2 + 0.4 + 0.5 + 0.7 + 0.6 + 0.25) / 6)  # lines count equally
    assert times.left_out == []


def test_outliers_included(tmp_path):
    times = train_time(load(tmp_path, {1: [9.0, 0.2, 0.4], 2: [7.0, 0.5, 0.7, 0.6]}), include_outliers=True)
    assert times.per_epoch == pytest.approx({1: 9.6 / 3, 2: 8.8 / 4})
    assert times.average == pytest.approx(18.4 / 7) and times.slowest == 1 and times.fastest == 2


def test_epochs_with_only_their_first_line(tmp_path):
    times = train_time(load(tmp_path, {1: [9.0, 0.2], 2: [7.0], 3: [5.0, 0.4]}))
    assert times.per_epoch == pytest.approx({1: 0.2, 3: 0.4}) and times.left_out == [2]
    assert times.std == pytest.approx(0.1)
    with pytest.raises(LogError, match=r"every epoch logged its time once.*--include-outliers"):
        train_time(load(tmp_path, {1: [9.0], 2: [7.0]}))
    assert train_time(load(tmp_path, {1: [9.0], 2: [7.0]}), include_outliers=True).std == pytest.approx(1.0)


def test_a_log_without_train_times(tmp_path):
    log = load(tmp_path, {}, extra=[dict(mode="val", epoch=1, iter=30, top1_acc=0.5)])
    with pytest.raises(LogError, match="run.log.json: no train lines with a time"):
        train_time(log)
