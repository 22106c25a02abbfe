"""`vidrun demo` end to end on a few clips (the real one takes minutes): it trains, tests, and leaves curve.png
and lr.png in its work directory."""
import pytest
from PIL import Image

from vidrun.cli import demo
from vidrun.cli.main import main
from vidrun.datasets.demo_data import make_demo_data

# The demo's own config (model, pipelines, schedule) on a few clips: two epochs of one iteration each.
SMALL = """
_base_ = ['{config}']
data = dict(workers_per_gpu=0)
runner = dict(max_epochs=2)
lr_config = dict(warmup_iters=1)
log_config = dict(interval=1)
"""


def test_demo_draws_the_curves_and_the_schedule(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    make_demo_data("data/demo", num_train=8, num_val=4)
    (tmp_path / "small_demo.py").write_text(SMALL.format(config=demo.CONFIG))
    monkeypatch.setattr(demo, "CONFIG", tmp_path / "small_demo.py")
    with pytest.raises(SystemExit) as caught:
        main(["demo", "--work-dir", "wd"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert "  pictures:          wd/curve.png (loss and top1_acc, train and val), wd/lr.png (the lr schedule)" in out
    for name, size in (("curve.png", (800, 640)), ("lr.png", (800, 600))):
        image = Image.open(tmp_path / "wd" / name).convert("RGB")
        assert image.size == size and len(image.getcolors(maxcolors=1 << 20)) > 50
