import pytest

from vidrun.cli.main import main
from vidrun.datasets.demo_data import demo_data_exists


def run(argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    return caught.value.code


def test_make_demo_data_writes_a_set_and_reports_it(tmp_path, capsys):
    assert run(["make-demo-data", str(tmp_path / "demo"), "--num-train", "6", "--num-val", "6",
                "--num-frames", "8", "--size", "48"]) == 0
    assert "wrote 6 training and 6 validation clips (6 classes, 48x48, 8 frames)" in capsys.readouterr().out
    assert demo_data_exists(tmp_path / "demo")


def test_an_impossible_size_is_a_clear_error(tmp_path, capsys):
    assert run(["make-demo-data", str(tmp_path / "demo"), "--size", "20"]) == 2
    assert "20-pixel frame is too small" in capsys.readouterr().err
    assert not (tmp_path / "demo").exists()


def test_counts_must_be_positive(tmp_path, capsys):
    assert run(["make-demo-data", str(tmp_path / "demo"), "--num-train", "0"]) == 2
    assert "--num-train: must be at least 1, got 0" in capsys.readouterr().err
