"""The command line answers `--help` and argument errors without importing torch, the models or the data:
those cost seconds and are needed only once a subcommand runs."""
import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "numpy", "matplotlib", "av", "cv2", "mlflow", "wandb", "tensorboard")

PROBE = """
import json, sys
from vidrun.cli.main import build_parser
parser = build_parser()
for argv in {argvs!r}:
    try:
        parser.parse_args(argv)
    except SystemExit:
        pass
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


@pytest.mark.parametrize("argvs", [
    [["--help"]],
    [["train", "--help"], ["test", "--help"], ["infer", "--help"], ["demo", "--help"]],
    [["plot-lr", "--help"], ["plot-curve", "--help"], ["analyze-logs", "cal-train-time", "--help"],
     ["make-demo-data", "--help"], ["print-config", "--help"]],
    [["train"], ["test", "only_a_config.py"]],  # argument errors
])
def test_parsing_imports_no_heavy_module(argvs):
    out = subprocess.run([sys.executable, "-c", PROBE.format(argvs=argvs, heavy=HEAVY)], capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out.splitlines()[-1]) == []


def test_make_demo_data_defaults_come_from_the_clip_spec(tmp_path):
    from vidrun.cli.main import build_parser
    from vidrun.datasets.demo_clips import ClipSpec

    args = build_parser().parse_args(["make-demo-data", str(tmp_path), "--num-train", "1", "--num-val", "1"])
    assert args.run(args) == 0
    import av
    with av.open(str(next((tmp_path / "videos").glob("*.mp4")))) as container:
        frames = list(container.decode(video=0))
    assert (len(frames), frames[0].width) == (ClipSpec.num_frames, ClipSpec.size)
