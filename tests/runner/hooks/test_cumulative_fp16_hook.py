"""`GradientCumulativeFp16OptimizerHook`: selected by `fp16` with `cumulative_iters`, accumulating under
autocast with the same windows as the plain accumulating hook, the loss scaler stepping once per window,
exact resume mid-window, and the BatchNorm warning of both accumulating hooks."""
import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from vidrun.runner import (EpochBasedRunner, GradientCumulativeFp16OptimizerHook, GradientCumulativeOptimizerHook,
                           Hook)
from vidrun.runner.default_hooks import with_fp16


class Plain(nn.Module):
    """No dropout, no BatchNorm: a step is a pure function of weights and batch, so a hand loop can repeat it."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 8)
        self.head = nn.Linear(8, 3)

    def train_step(self, data_batch, optimizer):
        loss = F.cross_entropy(self.head(torch.relu(self.linear(data_batch["imgs"]))), data_batch["label"])
        return {"loss": loss, "log_vars": {"loss": float(loss.detach())}, "num_samples": len(data_batch["label"])}

    val_step = train_step


def loader():
    generator = torch.Generator().manual_seed(1)
    points = torch.randn(12, 4, generator=generator)
    samples = [{"imgs": points[i], "label": torch.tensor(i % 3)} for i in range(12)]
    return DataLoader(samples, batch_size=4, shuffle=False)  # 3 batches an epoch


class CpuScaler(Hook):
    """Gives the fp16 hook a real loss scaler on the CPU (it makes one only on CUDA), so that the scaled path
    runs here: scale 1024 (a power of two, so scaling and unscaling are exact)."""

    def __init__(self, hook):
        self.hook = hook

    def before_run(self, runner):
        self.hook.scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=1000)


def by_hand(model, epochs, cumulative_iters):
    """Accumulation written out: bfloat16 autocast forward, loss / window length, step at window ends."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    batches = [batch for _ in range(epochs) for batch in loader()]
    full = len(batches) // cumulative_iters * cumulative_iters
    for i, batch in enumerate(batches):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = model.train_step(batch, optimizer)["loss"]
        (loss / (cumulative_iters if i < full else len(batches) - full)).backward()
        if (i + 1) % cumulative_iters == 0 or i == len(batches) - 1:
            optimizer.step()
            optimizer.zero_grad()
    return model.state_dict()


def with_runner(model, work_dir, logger, optimizer_config, scaled=False, stop_at=None, resume_from=None):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    runner = EpochBasedRunner(model, optimizer, str(work_dir), logger, max_epochs=3)
    runner.register_training_hooks(None, optimizer_config, dict(interval=1, by_epoch=False))
    hook = runner.hooks[0]
    if scaled:
        runner.register_hook(CpuScaler(hook), "LOWEST")  # after the fp16 hook's own before_run
    if stop_at is not None:
        runner.register_hook(StopAfter(stop_at))
    if resume_from is not None:
        runner.resume(str(resume_from))
    try:
        runner.run([loader()], [("train", 1)])
    except Stop:
        pass
    return hook, model.state_dict()


class Stop(Exception):
    pass


class StopAfter(Hook):
    def __init__(self, at):
        self.at = at

    def after_train_iter(self, runner):
        if runner.iter + 1 == self.at:
            raise Stop()


def test_fp16_with_cumulative_iters_selects_the_accumulating_fp16_hook():
    fp16 = dict(loss_scale=512.0)
    assert with_fp16(dict(cumulative_iters=4), fp16) == dict(
        cumulative_iters=4, loss_scale=512.0, type="GradientCumulativeFp16OptimizerHook")
    assert with_fp16(dict(type="GradientCumulativeOptimizerHook", cumulative_iters=2, grad_clip=None), fp16)[
        "type"] == "GradientCumulativeFp16OptimizerHook"
    hook = GradientCumulativeFp16OptimizerHook(cumulative_iters=3, loss_scale="dynamic", grad_clip=dict(max_norm=1))
    assert (hook.cumulative_iters, hook.scaler_args, hook.grad_clip) == (3, {}, dict(max_norm=1))
    with pytest.raises(ValueError, match="cumulative_iters must be a positive int"):
        GradientCumulativeFp16OptimizerHook(cumulative_iters=0)


@pytest.mark.parametrize("scaled", [False, True], ids=["bf16-cpu", "with-loss-scaler"])
def test_accumulates_under_autocast_as_written_by_hand(scaled, tmp_path, quiet_logger):
    torch.manual_seed(0)
    model = Plain()
    expected = by_hand(copy.deepcopy(model), 3, 4)  # 9 iterations: windows of 4, 4 and 1
    config = with_fp16(dict(cumulative_iters=4), dict(loss_scale=512.0))
    hook, weights = with_runner(model, tmp_path, quiet_logger, config, scaled=scaled)
    assert isinstance(hook, GradientCumulativeFp16OptimizerHook)
    assert all(torch.equal(weights[k], expected[k]) for k in expected)
    if scaled:
        assert hook.scaler.get_scale() == 1024.0 and hook.state_dict()["scaler"]["scale"] == 1024.0


def test_exact_resume_in_the_middle_of_a_window(tmp_path, quiet_logger):
    config = with_fp16(dict(cumulative_iters=4), dict(loss_scale="dynamic"))
    torch.manual_seed(0)
    _, straight = with_runner(Plain(), tmp_path / "a", quiet_logger, config, scaled=True)
    torch.manual_seed(0)
    with_runner(Plain(), tmp_path / "b", quiet_logger, config, scaled=True, stop_at=6)
    saved = torch.load(tmp_path / "b" / "iter_6.pth", weights_only=True)
    hook_state = next(state for state in saved["hooks"].values() if "grads" in state)
    assert "scaler" in hook_state  # the unfinished window's gradients and the scaler, together
    torch.manual_seed(5)
    _, resumed = with_runner(Plain(), tmp_path / "c", quiet_logger, config, scaled=True,
                             resume_from=tmp_path / "b" / "iter_6.pth")
    assert all(torch.equal(straight[k], resumed[k]) for k in straight)


@pytest.mark.parametrize("config", [dict(type="GradientCumulativeOptimizerHook", cumulative_iters=2),
                                    with_fp16(dict(cumulative_iters=2), dict(loss_scale=512.0))],
                         ids=["cumulative", "cumulative-fp16"])
def test_accumulating_with_batch_norm_warns_once(config, toy_model, make_loader, quiet_logger, tmp_path):
    runner = EpochBasedRunner(toy_model, torch.optim.SGD(toy_model.parameters(), lr=0.1), str(tmp_path),
                              quiet_logger, max_epochs=2)
    runner.register_training_hooks(None, config)
    runner.run([make_loader(size=8)], [("train", 1)])
    warnings = [line for line in quiet_logger.lines if "BatchNorm" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{config['type']}: the model has BatchNorm layers (norm)")
    assert "not the same as a batch 2 times larger" in warnings[0]


def test_no_batch_norm_warning_without_batch_norm_or_accumulation(toy_model, make_loader, quiet_logger, tmp_path):
    for model, iters in ((Plain(), 2), (toy_model, 1)):
        runner = EpochBasedRunner(model, torch.optim.SGD(model.parameters(), lr=0.1), str(tmp_path), quiet_logger,
                                  max_epochs=1)
        runner.register_hook(GradientCumulativeOptimizerHook(cumulative_iters=iters), "ABOVE_NORMAL")
        runner.run([loader() if isinstance(model, Plain) else make_loader(size=8)], [("train", 1)])
    assert not [line for line in quiet_logger.lines if "BatchNorm" in line]
