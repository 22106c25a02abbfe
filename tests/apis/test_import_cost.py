"""`import vidrun.apis` (what every command imports to run) leaves out the plotting and tracking libraries:
matplotlib is imported by the figure commands when they draw, MLflow, W&B and TensorBoard by their logger
hooks when they are built."""
import json
import subprocess
import sys

OPTIONAL = ("matplotlib", "mlflow", "wandb", "tensorboard", "torch.utils.tensorboard", "tensorboardX")

PROBE = """
import json, sys
import vidrun.apis, vidrun.runner, vidrun.runner.hooks
print(json.dumps(sorted(name for name in {optional!r} if name in sys.modules)))
"""


def test_import_apis_leaves_out_plotting_and_tracking_libraries():
    out = subprocess.run([sys.executable, "-c", PROBE.format(optional=OPTIONAL)], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out.splitlines()[-1]) == []


def test_the_figures_module_is_where_matplotlib_comes_in():
    probe = "import sys, vidrun.apis.figures; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split()[-1] == "True"
