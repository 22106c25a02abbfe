import pytest
import torch

from vidrun.runner import EpochBasedRunner, IterBasedRunner


def run(model, logger, work_dir, loaders, checkpoint_config, runner_cls=EpochBasedRunner, length=3):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    length_arg = {"max_epochs": length} if runner_cls is EpochBasedRunner else {"max_iters": length}
    runner = runner_cls(model, optimizer, str(work_dir), logger, **length_arg)
    runner.register_training_hooks(None, dict(), checkpoint_config)
    runner.run(loaders, [("train", 1)])
    return runner


def names(directory):
    return sorted(p.name for p in directory.glob("*.pth"))


def test_every_interval_and_the_last_epoch(toy_model, make_loader, quiet_logger, tmp_path):
    runner = run(toy_model, quiet_logger, tmp_path, [make_loader()], dict(interval=2), length=5)
    assert names(tmp_path) == ["epoch_2.pth", "epoch_4.pth", "epoch_5.pth", "latest.pth"]
    latest = torch.load(tmp_path / "latest.pth", weights_only=True)
    assert latest["meta"]["epoch"] == 5 and latest["meta"]["iter"] == 30
    assert latest["optimizer"]["state"] is not None
    assert runner.meta["hook_msgs"]["last_ckpt"].endswith("epoch_5.pth")
    assert torch.equal(latest["state_dict"]["head.weight"], toy_model.head.weight.detach())


def test_save_last_off_and_max_keep(toy_model, make_loader, quiet_logger, tmp_path):
    run(toy_model, quiet_logger, tmp_path, [make_loader()], dict(interval=2, save_last=False, max_keep_ckpts=1),
        length=5)
    assert names(tmp_path) == ["epoch_4.pth", "latest.pth"]


def test_by_iteration_under_iter_runner_and_out_dir(toy_model, make_loader, quiet_logger, tmp_path):
    work_dir = tmp_path / "work" / "exp1"
    run(toy_model, quiet_logger, work_dir, [make_loader()], dict(interval=4, out_dir=str(tmp_path / "store")),
        runner_cls=IterBasedRunner, length=10)
    assert names(tmp_path / "store" / "exp1") == ["iter_10.pth", "iter_4.pth", "iter_8.pth", "latest.pth"]
    assert names(work_dir) == []


def test_by_epoch_under_iter_runner_is_an_error(toy_model, make_loader, quiet_logger, tmp_path):
    with pytest.raises(ValueError, match="checkpoint_config.by_epoch=True"):
        run(toy_model, quiet_logger, tmp_path, [make_loader()], dict(interval=1, by_epoch=True),
            runner_cls=IterBasedRunner, length=2)


def test_save_optimizer_false(toy_model, make_loader, quiet_logger, tmp_path):
    run(toy_model, quiet_logger, tmp_path, [make_loader()], dict(interval=1, save_optimizer=False), length=1)
    assert torch.load(tmp_path / "epoch_1.pth", weights_only=True).get("optimizer") is None


def test_runner_save_and_load_checkpoint_api(toy_model, make_model, make_loader, quiet_logger, tmp_path):
    runner = run(toy_model, quiet_logger, tmp_path / "a", [make_loader()], None, length=1)
    path = runner.save_checkpoint(str(tmp_path / "b"), filename_tmpl="ep_{}.pth", save_optimizer=False,
                                  meta=dict(note="by hand"))
    assert path.endswith("ep_1.pth") and names(tmp_path / "b") == ["ep_1.pth", "latest.pth"]
    saved = torch.load(path, weights_only=True)
    assert saved["meta"]["note"] == "by hand" and saved.get("optimizer") is None
    other = make_model(seed=5)
    other_runner = EpochBasedRunner(other, None, None, quiet_logger, max_epochs=1)
    other_runner.load_checkpoint(path)
    assert torch.equal(other.head.weight, toy_model.head.weight)
