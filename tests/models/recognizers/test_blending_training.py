"""Mixup through `vidrun train` on a generated set: the soft labels reach the loss; no accuracy is logged."""
import json
from pathlib import Path

import pytest

from tests.cli.test_train_test import REPO, TINY_CONFIG, run, workspace  # noqa: F401 - the fixture is used

BLENDING = ("model = dict(model, train_cfg=dict(blending=dict(type='{kind}', num_classes=6, alpha=0.4)))\n"
            "evaluation = dict(interval=1)\n")


@pytest.mark.slow
def test_vidrun_train_with_cutmix_logs_the_loss_without_accuracies(workspace):  # noqa: F811
    (workspace / "mix.py").write_text(TINY_CONFIG.format(repo=REPO, epochs=1) + BLENDING.format(kind="CutmixBlending"))
    assert run(["train", "mix.py", "--work-dir", "wd"]) == 0
    (log,) = Path("wd").glob("*.log.json")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    train = [line for line in lines if line.get("mode") == "train"]
    assert train and all("loss_cls" in line and "top1_acc" not in line for line in train)
    assert any(line.get("mode") == "val" and "top1_acc" in line for line in lines)  # evaluation is unchanged
