import json
from types import SimpleNamespace

import pytest
import torch

from vidrun.config import ConfigDict, ConfigError
from vidrun.runner import EpochBasedRunner, GradientCumulativeOptimizerHook, Hook, IterBasedRunner, OptimizerHook


class PoisonAt(Hook):
    """Makes the loss of iteration `at` NaN, as an exploding model would."""

    def __init__(self, at):
        self.at = at

    def after_train_iter(self, runner):
        if runner.iter == self.at:
            runner.outputs["loss"] = runner.outputs["loss"] * float("nan")
            runner.outputs["log_vars"]["loss"] = float("nan")


def runner_with(model, logger, work_dir, optimizer_hook, max_epochs=2, lr=0.1):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    runner = EpochBasedRunner(model, optimizer, str(work_dir), logger, max_epochs=max_epochs)
    runner.register_hook(optimizer_hook, "ABOVE_NORMAL")
    return runner


def test_step_updates_weights_and_grad_clip_logs_grad_norm(toy_model, make_loader, quiet_logger, tmp_path):
    runner = runner_with(toy_model, quiet_logger, tmp_path, OptimizerHook(grad_clip=dict(max_norm=0.01)))
    before = toy_model.head.weight.detach().clone()
    runner.register_training_hooks(None, None, log_config=dict(interval=1, hooks=[dict(type="TextLoggerHook")]))
    runner.run([make_loader(size=8)], [("train", 1)])
    assert not torch.equal(before, toy_model.head.weight)
    records = [json.loads(line) for line in (tmp_path / f"{runner.timestamp}.log.json").read_text().splitlines()]
    assert all(0 < r["grad_norm"] for r in records if r["mode"] == "train")
    # max_norm 0.01 with lr 0.1: no parameter can move further than 1e-3 a step in SGD without momentum
    assert (toy_model.head.weight - before).abs().max() <= 4 * 1e-3 + 1e-7


def test_grad_clip_keys_are_checked_with_their_path():
    cfg = ConfigDict({"optimizer_config": {"grad_clip": {"max_norm": 35, "norm_tpye": 2}}})
    with pytest.raises(ConfigError, match=r"optimizer_config\.grad_clip\.norm_tpye: grad_clip takes no key "
                                          r"'norm_tpye' \(did you mean 'norm_type'\?\)"):
        OptimizerHook(grad_clip=cfg.optimizer_config.grad_clip)


def test_nan_loss_stops_with_epoch_iter_and_terms_and_keeps_checkpoints(toy_model, make_loader, quiet_logger,
                                                                        tmp_path):
    runner = runner_with(toy_model, quiet_logger, tmp_path, OptimizerHook())
    runner.register_training_hooks(None, None, checkpoint_config=dict(interval=1))
    runner.register_hook(PoisonAt(3), "HIGH")
    with pytest.raises(FloatingPointError) as info:
        runner.run([make_loader(size=8)], [("train", 1)])
    message = str(info.value)
    assert "OptimizerHook.after_train_iter" in message
    assert "epoch 2, iter 4" in message and "loss_cls: " in message and "loss: nan" in message
    saved = torch.load(tmp_path / "epoch_1.pth", weights_only=True)
    assert saved["meta"]["epoch"] == 1
    assert all(torch.isfinite(v).all() for v in saved["state_dict"].values() if v.is_floating_point())
    assert (tmp_path / "latest.pth").exists() and not (tmp_path / "epoch_2.pth").exists()


def test_nan_loss_can_skip_the_step(toy_model, make_loader, quiet_logger, tmp_path):
    runner = runner_with(toy_model, quiet_logger, tmp_path, OptimizerHook(nonfinite_loss="skip"))
    runner.register_hook(PoisonAt(1), "HIGH")
    runner.run([make_loader(size=8)], [("train", 1)])
    assert all(torch.isfinite(p).all() for p in toy_model.parameters())
    assert any("non-finite loss at epoch 1, iter 2" in line and "step skipped" in line
               for line in quiet_logger.lines)


def test_a_raising_hook_names_itself_and_the_event(toy_model, make_loader, quiet_logger, tmp_path):
    class Broken(Hook):
        def before_train_epoch(self, runner):
            raise OSError("disk full")

    runner = runner_with(toy_model, quiet_logger, tmp_path, OptimizerHook())
    runner.register_hook(Broken())
    with pytest.raises(OSError, match=r"Broken\.before_train_epoch \(epoch 1, iter 1\): disk full") as info:
        runner.run([make_loader(size=8)], [("train", 1)])
    assert str(info.value.__cause__) == "disk full"


class Counting(torch.optim.SGD):
    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.steps_after = []

    def step(self, closure=None):
        self.steps_after.append(self.current_iter)
        return super().step(closure)


class IterTracker(Hook):
    def before_train_iter(self, runner):
        runner.optimizer.current_iter = runner.iter


def test_gradient_accumulation_steps_at_window_ends_and_divides_by_window_length(toy_model, make_loader,
                                                                                 quiet_logger, tmp_path):
    optimizer = Counting(toy_model.parameters(), lr=0.1)
    runner = IterBasedRunner(toy_model, optimizer, str(tmp_path), quiet_logger, max_iters=10)
    hook = GradientCumulativeOptimizerHook(cumulative_iters=4)
    runner.register_hook(hook, "ABOVE_NORMAL")
    runner.register_hook(IterTracker())
    runner.run([make_loader(size=8)], [("train", 1)])
    assert optimizer.steps_after == [3, 7, 9]  # 0-based iterations: windows of 4, 4 and a last one of 2
    lengths = [hook._window_length(SimpleNamespace(max_iters=10, iter=i)) for i in range(10)]
    assert lengths == [4] * 8 + [2] * 2


def test_gradient_accumulation_equals_one_big_batch(quiet_logger):
    """Two accumulated batches of 4 give the step of one batch of 8."""
    torch.manual_seed(0)
    linear_a, linear_b = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    linear_b.load_state_dict(linear_a.state_dict())
    data = torch.randn(8, 4)
    target = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    loss_fn = torch.nn.functional.cross_entropy
    opt_b = torch.optim.SGD(linear_b.parameters(), lr=0.5)
    loss_fn(linear_b(data), target).backward()
    opt_b.step()

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = linear_a

        def train_step(self, batch, optimizer):
            loss = loss_fn(self.linear(batch["x"]), batch["y"])
            return {"loss": loss, "log_vars": {"loss": float(loss.detach())}, "num_samples": 4}

    model = Model()
    runner = IterBasedRunner(model, torch.optim.SGD(model.parameters(), lr=0.5), None, quiet_logger,
                             max_iters=2)
    runner.register_hook(GradientCumulativeOptimizerHook(cumulative_iters=2), "ABOVE_NORMAL")
    runner.run([[{"x": data[:4], "y": target[:4]}, {"x": data[4:], "y": target[4:]}]], [("train", 1)])
    assert torch.allclose(linear_a.weight, linear_b.weight, atol=1e-6)
    assert torch.allclose(linear_a.bias, linear_b.bias, atol=1e-6)
