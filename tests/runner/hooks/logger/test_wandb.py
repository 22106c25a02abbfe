import json
import struct
import sys
import time

import pytest
import torch
from wandb.proto import wandb_internal_pb2

from vidrun.config import Config
from vidrun.runner import HOOKS, EpochBasedRunner, Hook
from vidrun.runner.hooks.logger.wandb import _has_credentials

TIMESTAMP = "20260101_120000"


@pytest.fixture
def no_login(tmp_path, monkeypatch):
    """No W&B credentials and no W&B settings of the developer's: a home of its own."""
    for name in ("WANDB_API_KEY", "WANDB_IDENTITY_TOKEN_FILE", "WANDB_MODE", "WANDB_BASE_URL", "NETRC"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(home / "wandb-config"))
    return home


def trained(model, logger, work_dir, loaders, workflow, **hook_args):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    config = Config(dict(model=dict(type="ToyModel", depth=2), total_epochs=2))
    meta = dict(config=config.pretty_text, exp_name="toy_config.py", seed=0)
    runner = EpochBasedRunner(model, optimizer, str(work_dir), logger, meta=meta, max_epochs=2)
    runner.timestamp = TIMESTAMP
    hooks = [dict(type="TextLoggerHook"), dict(type="WandbLoggerHook", **hook_args)]
    runner.register_training_hooks(dict(policy="fixed"), dict(), None, dict(interval=2, hooks=hooks))
    runner.run(loaders, workflow)
    return runner


def records(path):
    """The records of a run's `.wandb` file: after a 7-byte header (':W&B', magic, version), 32 KiB blocks of
    chunks, each `crc32 (4 bytes), length (2), type (1: whole, 2: first, 3: middle, 4: last), data`; a whole
    record is a `wandb_internal_pb2.Record`."""
    data = path.read_bytes()
    assert data[:4] == b":W&B"
    found, pieces, at = [], b"", 7
    while at + 7 <= len(data):
        if 32768 - at % 32768 < 7:  # a block's tail too short for a chunk header is padding
            at += 32768 - at % 32768
            continue
        _, length, kind = struct.unpack("<IHB", data[at:at + 7])
        pieces, at = pieces + data[at + 7:at + 7 + length], at + 7 + length
        if kind in (1, 4):
            found.append(wandb_internal_pb2.Record.FromString(pieces))
            pieces = b""
    return found


def finished_run(work_dir):
    """The records of the one run under `work_dir`, once its exit record is on disk: wandb's service writes
    the file in its own process and may still be at it when `run.finish()` returns."""
    (path,) = work_dir.glob("wandb/offline-run-*/run-*.wandb")
    deadline = time.monotonic() + 10
    while True:
        found = records(path)
        if any(r.WhichOneof("record_type") == "exit" for r in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def history(run_records):
    rows = [r.history for r in run_records if r.WhichOneof("record_type") == "history"]
    return [{item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in row.item}
            for row in rows]


def test_an_offline_run_in_the_work_dir_by_default(toy_model, make_loader, quiet_logger, tmp_path, no_login):
    work_dir = tmp_path / "work"
    work_dir.mkdir()
    (work_dir / f"{TIMESTAMP}.log").write_text("a line\n")
    (work_dir / "20250101_000000.log").write_text("another run's log\n")
    loaders = [make_loader(size=24), make_loader(size=8, shuffle=False)]  # 6 train batches, 2 val
    trained(toy_model, quiet_logger, work_dir, loaders, [("train", 1), ("val", 1)],
            init_kwargs=dict(project="toy"), define_metric_cfg={"val/loss": "min"})
    found = finished_run(work_dir)
    rows = history(found)
    assert [row["_step"] for row in rows if "train/loss" in row] == [2, 4, 6, 8, 10, 12]
    assert [row["_step"] for row in rows if "val/loss" in row] == [6, 12]  # joining the train rows there
    assert all(row["learning_rate"] == pytest.approx(0.1) for row in rows)
    losses = [json.loads(line)["loss"] for line in (work_dir / f"{TIMESTAMP}.log.json").read_text().splitlines()
              if json.loads(line).get("mode") == "train"]  # the first line is the run's meta
    assert [row["train/loss"] for row in rows] == pytest.approx(losses, abs=1e-5)
    (run,) = [r.run for r in found if r.WhichOneof("record_type") == "run"]
    assert run.project == "toy"
    config = {item.key: json.loads(item.value_json) for item in run.config.update}
    assert config["model"] == {"type": "ToyModel", "depth": 2}
    (metric,) = [r.metric for r in found if r.WhichOneof("record_type") == "metric"]
    assert metric.name == "val/loss" and metric.summary.min
    (artifact,) = [r.artifact for r in found if r.WhichOneof("record_type") == "artifact"]
    assert artifact.name == f"logs-{run.run_id}"
    assert sorted(entry.path for entry in artifact.manifest.contents) == [
        f"{TIMESTAMP}.log", f"{TIMESTAMP}.log.json", "toy_config.py"]


def test_steps_as_a_value_and_no_artifact(toy_model, make_loader, quiet_logger, tmp_path, no_login):
    trained(toy_model, quiet_logger, tmp_path, [make_loader(size=16)], [("train", 1)], with_step=False,
            log_artifact=False)
    found = finished_run(tmp_path)
    assert [row["global_step"] for row in history(found)] == [2, 4, 6, 8]
    assert [row["_step"] for row in history(found)] == [0, 1, 2, 3]
    assert not [r for r in found if r.WhichOneof("record_type") == "artifact"]


def test_credentials_are_found_without_the_network(no_login, monkeypatch):
    assert not _has_credentials()
    (no_login / ".netrc").write_text(f"machine api.wandb.ai\n  login user\n  password {'a' * 40}\n")
    (no_login / ".netrc").chmod(0o600)
    assert _has_credentials()
    (no_login / ".netrc").unlink()
    monkeypatch.setenv("WANDB_API_KEY", "b" * 40)
    assert _has_credentials()


def test_other_ranks_write_nothing(toy_model, make_loader, quiet_logger, tmp_path, no_login, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    runner = trained(toy_model, quiet_logger, tmp_path / "work", [make_loader(size=8)], [("train", 1)])
    assert runner.rank == 1 and list((tmp_path / "work").iterdir()) == []


def test_a_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "wandb", None)
    with pytest.raises(ImportError, match=r'WandbLoggerHook needs the wandb package: pip install "vidrun\[wandb\]"'):
        HOOKS.build(dict(type="WandbLoggerHook"))


class FailAtIter(Hook):
    def before_train_iter(self, runner):
        if runner.iter == 3:
            raise ValueError("disk full")


def test_a_run_that_raises_finishes_with_a_nonzero_exit_code(toy_model, make_loader, quiet_logger, tmp_path,
                                                             no_login):
    optimizer = torch.optim.SGD(toy_model.parameters(), lr=0.1)
    runner = EpochBasedRunner(toy_model, optimizer, str(tmp_path), quiet_logger, max_epochs=2)
    runner.register_training_hooks(None, dict(), None, dict(interval=1, hooks=[dict(type="WandbLoggerHook")]))
    runner.register_hook(FailAtIter(), "HIGHEST")
    with pytest.raises(ValueError, match="disk full"):
        runner.run([make_loader(size=24)], [("train", 1)])
    found = finished_run(tmp_path)
    (exit_record,) = [r.exit for r in found if r.WhichOneof("record_type") == "exit"]
    assert exit_record.exit_code == 1
    assert [row["_step"] for row in history(found)] == [1, 2, 3]
    assert not [r for r in found if r.WhichOneof("record_type") == "artifact"]
    summary = {item.key: json.loads(item.value_json) for r in found if r.WhichOneof("record_type") == "summary"
               for item in r.summary.update}
    assert summary["vidrun.exception"] == "ValueError: FailAtIter.before_train_iter (epoch 1, iter 4): disk full"
