import sys

import pytest
import torch
from mlflow import MlflowClient

from vidrun.config import Config
from vidrun.runner import HOOKS, EpochBasedRunner, Hook

CONFIG = Config(dict(model=dict(type="ToyModel", backbone=dict(depth=2, widths=[8, 8])),
                     optimizer=dict(type="SGD", lr=0.1), total_epochs=2))


def trained(model, logger, work_dir, loaders, workflow, **hook_args):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    meta = dict(config=CONFIG.pretty_text, exp_name="toy_config.py", seed=0)
    runner = EpochBasedRunner(model, optimizer, str(work_dir), logger, meta=meta, max_epochs=2)
    hooks = [dict(type="MlflowLoggerHook", **hook_args)]
    runner.register_training_hooks(dict(policy="fixed"), dict(), dict(interval=1), dict(interval=2, hooks=hooks))
    runner.run(loaders, workflow)
    return runner


def the_run(work_dir, exp_name="toy_config"):
    client = MlflowClient(f"sqlite:///{work_dir}/mlflow.db")
    experiment = client.get_experiment_by_name(exp_name)
    (run,) = client.search_runs([experiment.experiment_id])
    return client, run


def test_metrics_params_and_artifacts_in_the_work_dir(toy_model, make_loader, quiet_logger, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    work_dir = tmp_path / "work"
    loaders = [make_loader(size=24), make_loader(size=8, shuffle=False)]  # 6 train batches, 2 val
    trained(toy_model, quiet_logger, work_dir, loaders, [("train", 1), ("val", 1)],
            params=dict(note="first try", optimizer=dict(lr=0.5)), tags=dict(team="video"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]  # nothing in the working directory
    client, run = the_run(work_dir)
    assert run.info.status == "FINISHED" and run.data.tags["team"] == "video"
    assert run.info.artifact_uri.startswith((work_dir / "mlruns").as_uri())
    params = run.data.params
    assert params["model.backbone.depth"] == "2" and params["model.backbone.widths"] == "[8, 8]"
    assert params["total_epochs"] == "2" and params["note"] == "first try"
    assert params["optimizer.lr"] == "0.5"  # the user's params win over the config's
    history = client.get_metric_history(run.info.run_id, "train/loss")
    assert [m.step for m in history] == [2, 4, 6, 8, 10, 12]
    assert [m.step for m in client.get_metric_history(run.info.run_id, "val/loss")] == [6, 12]
    assert [m.value for m in client.get_metric_history(run.info.run_id, "learning_rate")] == pytest.approx([0.1] * 6)
    assert {a.path for a in client.list_artifacts(run.info.run_id)} == {"toy_config.py", "checkpoints"}
    assert [a.path for a in client.list_artifacts(run.info.run_id, "checkpoints")] == ["checkpoints/epoch_2.pth"]
    config = client.download_artifacts(run.info.run_id, "toy_config.py", str(tmp_path))
    assert Config.fromfile(config).to_dict() == CONFIG.to_dict()


def test_long_values_are_cut_and_a_second_run_joins_the_experiment(toy_model, make_loader, quiet_logger,
                                                                   tmp_path):
    trained(toy_model, quiet_logger, tmp_path / "a", [make_loader(size=8)], [("train", 1)], exp_name="mine",
            params=dict(long="x" * 7000), log_model=False)
    client, run = the_run(tmp_path / "a", "mine")
    assert len(run.data.params["long"]) == 6000 and run.data.params["long"].endswith("x...")
    assert {a.path for a in client.list_artifacts(run.info.run_id)} == {"toy_config.py"}
    tracking_uri = f"sqlite:///{tmp_path / 'a' / 'mlflow.db'}"
    trained(toy_model, quiet_logger, tmp_path / "b", [make_loader(size=8)], [("train", 1)], exp_name="mine",
            tracking_uri=tracking_uri)
    experiment = client.get_experiment_by_name("mine")
    assert len(client.search_runs([experiment.experiment_id])) == 2
    assert not (tmp_path / "b" / "mlflow.db").exists()


def test_other_ranks_write_nothing(toy_model, make_loader, quiet_logger, tmp_path, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    runner = trained(toy_model, quiet_logger, tmp_path, [make_loader(size=8)], [("train", 1)])
    assert runner.rank == 1 and list(tmp_path.iterdir()) == []


def test_a_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ImportError, match=r'MlflowLoggerHook needs the mlflow package: pip install "vidrun\[mlflow\]"'):
        HOOKS.build(dict(type="MlflowLoggerHook"))


class FailAtIter(Hook):
    def before_train_iter(self, runner):
        if runner.iter == 3:
            raise ValueError("disk full")


def test_a_run_that_raises_ends_failed_with_its_exception(toy_model, make_loader, quiet_logger, tmp_path):
    optimizer = torch.optim.SGD(toy_model.parameters(), lr=0.1)
    runner = EpochBasedRunner(toy_model, optimizer, str(tmp_path), quiet_logger, max_epochs=2)
    runner.register_training_hooks(None, dict(), None, dict(interval=1, hooks=[dict(type="MlflowLoggerHook",
                                                                                     exp_name="crash")]))
    runner.register_hook(FailAtIter(), "HIGHEST")
    with pytest.raises(ValueError, match="disk full"):
        runner.run([make_loader(size=24)], [("train", 1)])
    client, run = the_run(tmp_path, "crash")
    assert run.info.status == "FAILED" and run.info.end_time is not None
    assert run.data.tags["vidrun.exception"] == \
        "ValueError: FailAtIter.before_train_iter (epoch 1, iter 4): disk full"
    assert [m.step for m in client.get_metric_history(run.info.run_id, "train/loss")] == [1, 2, 3]
