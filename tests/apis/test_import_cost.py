"""`import vidrun.apis` (what every command imports to run) leaves out the plotting and tracking libraries:
matplotlib is imported by the figure commands when they draw, MLflow, W&B and TensorBoard by their logger
hooks when they are built; PyAV, Pillow and PyYAML wait for their first use."""
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


# Needed libraries that load on first use: PyAV when a video is opened, Pillow when an image is read, PyYAML
# when a YAML config is read or written (0.2 s together). A submodule each, since `lazy_module` puts a
# placeholder for the package itself in sys.modules.
ON_FIRST_USE = ("av._core", "PIL.ImageFile", "yaml.loader")


def test_import_apis_loads_pyav_pillow_and_yaml_only_when_used():
    out = subprocess.run([sys.executable, "-c", PROBE.format(optional=ON_FIRST_USE)], capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out.splitlines()[-1]) == []
