"""`vidrun plot-curve` and `vidrun analyze-logs` on small written logs: the picture, the printed numbers and
the errors."""
import json

import pytest
from PIL import Image

from vidrun.cli.main import main


def run(argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    return caught.value.code


def write_log(path, times=(0.9, 0.2, 0.4, 0.8, 0.5, 0.7)):
    """Two epochs of 3 train lines (every 2 of 6 iterations) and a val line each."""
    lines = []
    for epoch in (1, 2):
        for n in range(3):
            lines.append(dict(mode="train", epoch=epoch, iter=2 * (n + 1), lr=0.1, time=times[3 * (epoch - 1) + n],
                              loss=2.0 / (3 * epoch + n), top1_acc=0.1 * (3 * epoch + n)))
        lines.append(dict(mode="val", epoch=epoch, iter=6, lr=0.1, top1_acc=0.3 * epoch))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


def assert_drawn(png, size):
    image = Image.open(png).convert("RGB")
    assert image.size == size
    assert len(image.getcolors(maxcolors=1 << 20)) > 50  # lines, text and anti-aliasing, not a blank canvas
    non_white = sum(count for count, colour in image.getcolors(maxcolors=1 << 20) if colour != (255, 255, 255))
    assert non_white > 0.02 * size[0] * size[1]


def test_plot_curve_of_two_runs(tmp_path, capsys):
    logs = [write_log(tmp_path / run / "20260101_100000.log.json") for run in ("base", "tuned")]
    out = tmp_path / "curve.png"
    assert run(["plot-curve", *logs, "--keys", "loss", "top1_acc", "--out", str(out)]) == 0
    assert_drawn(out, (800, 640))  # 8 x (0.8 + 2.8 a key) inches at 100 dpi
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"base: {logs[0]}, by epoch, 6 iterations per epoch (the largest logged: if ignore_last "
                       f"left out a shorter last chunk there are more, give --iters-per-epoch)",
                       f"tuned: {logs[1]}, by epoch, 6 iterations per epoch (the largest logged: if ignore_last "
                       f"left out a shorter last chunk there are more, give --iters-per-epoch)",
                       f"loss, top1_acc drawn in {out}"]
    assert run(["analyze-logs", "plot-curve", logs[0], "--keys", "top1_acc", "--x", "epoch", "--legend", "mine",
                "--title", "accuracy", "--iters-per-epoch", "6", "--out", str(tmp_path / "acc.png")]) == 0
    assert_drawn(tmp_path / "acc.png", (800, 360))
    assert "mine: " in capsys.readouterr().out


def test_plot_curve_errors(tmp_path, capsys):
    log = write_log(tmp_path / "run.log.json")
    assert run(["plot-curve", log, "--keys", "los", "--out", str(tmp_path / "c.png")]) == 2
    assert capsys.readouterr().err == (f"vidrun plot-curve: error: los (did you mean 'loss'?) not in {log}; "
                                       f"the logs have: loss, lr, time, top1_acc\n")
    assert run(["plot-curve", log, "--legend", "a", "b", "--out", str(tmp_path / "c.png")]) == 2
    assert "2 legend names for 1 logs: give one name a log" in capsys.readouterr().err
    assert run(["plot-curve", str(tmp_path / "missing.log.json"), "--out", str(tmp_path / "c.png")]) == 2
    assert "missing.log.json" in capsys.readouterr().err
    assert not (tmp_path / "c.png").exists()


def test_cal_train_time(tmp_path, capsys):
    log = write_log(tmp_path / "run.log.json")
    assert run(["analyze-logs", "cal-train-time", log]) == 0
    # epoch 1 without its first line: (0.2 + 0.4) / 2 = 0.3; epoch 2: (0.5 + 0.7) / 2 = 0.6
    assert capsys.readouterr().out == (f"-----Analyze train time of {log}-----\n"
                                       "epoch 1: 0.3000 s/iter (2 lines)\n"
                                       "epoch 2: 0.6000 s/iter (2 lines)\n"
                                       "slowest epoch 2, average time is 0.6000 s/iter\n"
                                       "fastest epoch 1, average time is 0.3000 s/iter\n"
                                       "time std over epochs is 0.1500\n"
                                       "average iter time: 0.4500 s/iter\n\n")
    assert run(["analyze-logs", "cal-train-time", log, log, "--include-outliers"]) == 0
    out = capsys.readouterr().out
    assert out.count("epoch 1: 0.5000 s/iter (3 lines)") == 2 and "average iter time: 0.5833 s/iter" in out


def test_cal_train_time_errors(tmp_path, capsys):
    log = tmp_path / "val.log.json"
    log.write_text(json.dumps(dict(mode="val", epoch=1, iter=6, top1_acc=0.5)) + "\n")
    assert run(["analyze-logs", "cal-train-time", str(log)]) == 2
    assert capsys.readouterr().err == f"vidrun analyze-logs: error: {log}: no train lines with a time\n"
