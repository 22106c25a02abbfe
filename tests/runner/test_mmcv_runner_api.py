"""What code written against mmcv 1.7's runner calls on a runner: step outputs without `log_vars`, models
that step their own optimizers, `save_checkpoint`'s defaults and argument order."""
import json

import pytest
import torch

from vidrun.runner import EpochBasedRunner, IterBasedRunner


class SelfSteppingModel(torch.nn.Module):
    """Steps the optimizer it is given inside `train_step` (GAN-style code with `optimizer_config=None`) and
    returns no `log_vars`: nothing of its own goes into the log."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 3)

    def train_step(self, data_batch, optimizer):
        loss = torch.nn.functional.cross_entropy(self.linear(data_batch["imgs"]), data_batch["label"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return {"loss": loss.detach()}

    def val_step(self, data_batch, optimizer):
        return {}


def test_steps_without_log_vars_log_nothing_and_the_model_steps_itself(make_loader, quiet_logger, tmp_path):
    torch.manual_seed(0)
    model = SelfSteppingModel()
    before = model.linear.weight.detach().clone()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    runner = EpochBasedRunner(model, optimizer, str(tmp_path), quiet_logger, max_epochs=2)
    runner.register_training_hooks(dict(policy="fixed"), optimizer_config=None,
                                   log_config=dict(interval=1, hooks=[dict(type="TextLoggerHook")]))
    runner.run([make_loader(size=8), make_loader(size=8)], [("train", 1), ("val", 1)])
    assert runner.iter == 4 and not torch.equal(before, model.linear.weight)
    assert set(runner.outputs) == set()  # the last val_step's dict, kept as returned
    lines = (tmp_path / f"{runner.timestamp}.log.json").read_text().splitlines()
    records = [r for r in map(json.loads, lines) if "mode" in r]
    train = [r for r in records if r["mode"] == "train"]
    assert len(train) == 4 and all("loss" not in r and "time" in r for r in train)


def test_iter_runner_saves_iter_n_with_mmcv_argument_order(toy_model, make_loader, quiet_logger, tmp_path):
    optimizer = torch.optim.SGD(toy_model.parameters(), lr=0.1)
    runner = IterBasedRunner(toy_model, optimizer, str(tmp_path / "w"), quiet_logger, max_iters=3)
    runner.run([make_loader()], [("train", 1)])
    path = runner.save_checkpoint(str(tmp_path / "out"))
    assert path.endswith("iter_3.pth") and sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "iter_3.pth", "latest.pth"]
    # mmcv's IterBasedRunner takes meta third, before save_optimizer
    path = runner.save_checkpoint(str(tmp_path / "out"), "it_{}.pth", dict(note="third"), False)
    saved = torch.load(path, weights_only=True)
    assert path.endswith("it_3.pth") and saved["meta"]["note"] == "third" and saved.get("optimizer") is None


def test_epoch_runner_saves_epoch_n(toy_model, make_loader, quiet_logger, tmp_path):
    runner = EpochBasedRunner(toy_model, torch.optim.SGD(toy_model.parameters(), lr=0.1), None, quiet_logger,
                              max_epochs=2)
    runner.run([make_loader()], [("train", 1)])
    assert runner.save_checkpoint(str(tmp_path), create_symlink=False).endswith("epoch_2.pth")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_2.pth"]


@pytest.mark.parametrize("meta", [[], ["x"], "note", 3])
@pytest.mark.parametrize("runner_cls", [EpochBasedRunner, IterBasedRunner])
def test_meta_that_is_not_a_dict_is_a_type_error(toy_model, quiet_logger, tmp_path, meta, runner_cls):
    length = {"max_epochs": 1} if runner_cls is EpochBasedRunner else {"max_iters": 1}
    runner = runner_cls(toy_model, None, None, quiet_logger, **length)
    with pytest.raises(TypeError, match=f"meta must be a dict or None, not {type(meta).__name__}"):
        runner.save_checkpoint(str(tmp_path), meta=meta)
    assert list(tmp_path.iterdir()) == []


def test_a_runner_has_a_timestamp_from_the_start(toy_model, quiet_logger):
    runner = EpochBasedRunner(toy_model, None, None, quiet_logger, max_epochs=1)
    assert len(runner.timestamp) == 15 and runner.timestamp[8] == "_" and runner.timestamp[:8].isdigit()


@pytest.mark.parametrize("runner_cls", [EpochBasedRunner, IterBasedRunner])
def test_hooks_see_the_batch_of_the_iteration_as_data_batch(toy_model, make_loader, quiet_logger, runner_cls):
    from vidrun.runner import Hook

    class Seen(Hook):
        def __init__(self):
            self.sizes = []

        def before_iter(self, runner):
            self.sizes.append((runner.mode, len(runner.data_batch["imgs"])))

        def after_iter(self, runner):
            assert runner.data_batch["imgs"].shape[1] == 4

    length = {"max_epochs": 1} if runner_cls is EpochBasedRunner else {"max_iters": 2}
    runner = runner_cls(toy_model, None, None, quiet_logger, **length)
    seen = Seen()
    runner.register_hook(seen)
    runner.run([make_loader(size=7, batch_size=4), make_loader(size=3)], [("train", 2), ("val", 1)])
    assert seen.sizes == [("train", 4), ("train", 3), ("val", 3)]
    assert not hasattr(runner, "data_batch")  # only during an iteration


def test_mmcv_positional_arguments_are_refused_with_a_hint(toy_model, quiet_logger):
    optimizer = torch.optim.SGD(toy_model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="work_dir must be a path or None, not SGD .*pass arguments by keyword"):
        EpochBasedRunner(toy_model, None, optimizer, "work", quiet_logger)  # mmcv: (model, batch_processor, ...)
