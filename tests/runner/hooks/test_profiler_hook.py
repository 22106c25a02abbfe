"""`ProfilerHook` with the real torch profiler on a real run."""
import json

import pytest
import torch

from vidrun.runner import EpochBasedRunner, IterBasedRunner, ProfilerHook


def test_profiles_the_first_iterations_and_writes_a_trace(toy_model, make_loader, quiet_logger, tmp_path):
    runner = IterBasedRunner(toy_model, torch.optim.SGD(toy_model.parameters(), lr=0.1), str(tmp_path),
                             quiet_logger, max_iters=4)
    runner.register_training_hooks(None, dict())
    runner.register_profiler_hook(dict(by_epoch=False, profile_iters=2, json_trace_path=str(tmp_path / "t.json"),
                                       on_trace_ready=dict(type="log_trace", sort_by="cpu_time_total", row_limit=5)))
    (hook,) = [h for h in runner.hooks if isinstance(h, ProfilerHook)]
    assert hook.priority == 50
    runner.run([make_loader()], [("train", 1)])
    trace = json.loads((tmp_path / "t.json").read_text())
    assert any("addmm" in event.get("name", "") for event in trace["traceEvents"])  # the Linear layers ran
    (table,) = [line for line in quiet_logger.lines if line.startswith("profiler:\n")]
    assert "Self CPU" in table and "Chrome trace written to" in quiet_logger.lines[quiet_logger.lines.index(table) + 1]
    assert hook.profiler is None  # stopped after 2 of the 4 iterations


def test_by_epoch_stops_after_the_epoch_and_checks_its_arguments(toy_model, make_loader, quiet_logger, tmp_path):
    runner = EpochBasedRunner(toy_model, None, None, quiet_logger, max_epochs=1)
    runner.register_profiler_hook(ProfilerHook(profile_iters=2))
    with pytest.raises(ValueError, match="profile_iters=2 is more than the run's 1 epochs"):
        runner.run([make_loader(size=8)], [("train", 1)])
    assert runner.hooks[0].profiler is None
    with pytest.raises(ValueError, match="activities must be among \\['cpu', 'cuda'\\] \\(got \\['gpu'\\]\\)"):
        ProfilerHook(activities=["gpu"])
    runner = EpochBasedRunner(toy_model, None, str(tmp_path), quiet_logger, max_epochs=1)
    runner.register_profiler_hook(dict(on_trace_ready=dict(type="tb_trace")))
    runner.run([make_loader(size=8)], [("train", 1)])
    assert list((tmp_path / "tf_tracing_logs").glob("*.pt.trace.json"))
