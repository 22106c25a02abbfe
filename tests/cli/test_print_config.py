import subprocess
import sys

import pytest

from vidrun import Config
from vidrun.cli.main import main


@pytest.fixture
def three_level_config(tmp_path):
    """A .py config over a .py base over a .yaml grandbase, with a reference to a base value."""
    (tmp_path / "_base_").mkdir()
    (tmp_path / "_base_" / "runtime.yaml").write_text(
        "log_config:\n  interval: 50\n  hooks:\n    - type: TextLoggerHook\n"
        "checkpoint_config:\n  interval: 1\nworkflow:\n  - [train, 1]\n")
    (tmp_path / "_base_" / "schedule.py").write_text(
        "_base_ = './runtime.yaml'\n"
        "optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)\n"
        "lr_config = dict(policy='step', step=[40, 80])\n"
        "total_epochs = 100\n")
    (tmp_path / "tsn.py").write_text(
        "_base_ = ['./_base_/schedule.py']\n"
        "optimizer = dict(lr=0.005)\n"
        "epochs = {{_base_.total_epochs}}\n"
        "model = dict(type='Recognizer2D', cls_head=dict(type='TSNHead', num_classes=400))\n")
    return tmp_path / "tsn.py"


def test_print_config_merges_bases_and_options(three_level_config, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["print-config", str(three_level_config), "--cfg-options", "optimizer.lr=0.02",
              "model.cls_head.num_classes=101", "workflow=[(train,1),(val,1)]"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    dumped = tmp_path / "dumped.py"
    dumped.write_text(text)
    cfg = Config.fromfile(str(dumped))
    assert cfg.optimizer.to_dict() == dict(type="SGD", lr=0.02, momentum=0.9, weight_decay=0.0001)
    assert cfg.model.cls_head.num_classes == 101 and cfg.epochs == 100
    assert cfg.workflow == [("train", 1), ("val", 1)]
    assert cfg.log_config.hooks == [dict(type="TextLoggerHook")]


def test_config_errors_end_with_a_message_and_exit_code_2(three_level_config, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["print-config", str(three_level_config), "--cfg-options", "optimizer.lrr=0.1"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("vidrun: error: ") and "optimizer.lrr" in err and "'lr'" in err
    assert "Traceback" not in err
    with pytest.raises(SystemExit) as exit_info:
        main(["print-config", str(tmp_path / "missing.py")])
    assert exit_info.value.code == 2 and "missing.py" in capsys.readouterr().err


def test_python_dash_m_and_help():
    result = subprocess.run([sys.executable, "-m", "vidrun", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "print-config" in result.stdout
    result = subprocess.run([sys.executable, "-m", "vidrun", "--version"], capture_output=True, text=True)
    assert result.stdout.startswith("vidrun ")
