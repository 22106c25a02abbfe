"""The benchmark scripts keep running: each is smoke-run with tiny settings (figures are not checked here;
they are recorded in benchmarks/README.md)."""
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.slow
@pytest.mark.parametrize("script,args,expected", [
    ("decode.py", ["--quick"], "ratio"),
    ("decode.py", ["--quick", "--transforms", "only"], "outputs equal in 3 of 3"),
    ("runner_overhead.py", ["--epochs", "2", "--repeats", "1"], "ratio"),
    ("train_throughput.py", ["--quick"], "ratio"),
    ("mid_epoch_resume.py", ["--quick"], "ratio"),
    ("model_step.py", ["--quick"], "ratio vidrun default / plain PyTorch"),
    ("logger_overhead.py", ["--iters", "10", "--warmup", "10", "--repeats", "1", "--intervals", "10"], "target"),
    ("zoo_step.py", ["--repeats", "1", "--batch", "1", "--size", "32"], "ratio"),
    ("startup.py", ["--repeats", "1", "--no-train"], "import vidrun.apis beyond torch (cached)"),
])
def test_benchmark_runs(script, args, expected, tmp_path):
    out = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True,
                         cwd=tmp_path, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    assert expected in out.stdout
