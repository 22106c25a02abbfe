"""`OPTIMIZERS` holds every optimizer of `torch.optim`, and each one builds through `build_optimizer` on a real
model and takes a real step, with and without parameter groups."""
import pytest
import torch
import torch.optim
from torch import nn

from vidrun.config import ConfigError
from vidrun.runner.optimizer import OPTIMIZER_BUILDERS, OPTIMIZERS, DefaultOptimizerConstructor, build_optimizer

TORCH_OPTIMIZERS = sorted(name for name in dir(torch.optim)
                          if isinstance(getattr(torch.optim, name), type)
                          and issubclass(getattr(torch.optim, name), torch.optim.Optimizer)
                          and name != "Optimizer")


def test_every_torch_optimizer_is_registered_under_its_class_name():
    assert len(TORCH_OPTIMIZERS) >= 13  # SGD, Adam, AdamW, ... on any supported torch
    for name in TORCH_OPTIMIZERS:
        assert OPTIMIZERS.get(name) is getattr(torch.optim, name)
    assert "Optimizer" not in OPTIMIZERS, "the abstract base has no update rule"
    assert OPTIMIZER_BUILDERS.get("DefaultOptimizerConstructor") is DefaultOptimizerConstructor


def model_and_loss(name):
    """A model the optimizer supports and a function computing its loss: Muon takes only 2-D parameters,
    SparseAdam only sparse gradients; every other optimizer gets convolution, norm and linear layers."""
    torch.manual_seed(0)
    if name == "Muon":
        model = nn.Sequential(nn.Linear(4, 6, bias=False), nn.ReLU(), nn.Linear(6, 2, bias=False))
        return model, lambda: model(torch.randn(3, 4)).square().mean()
    if name == "SparseAdam":
        model = nn.Sequential(nn.Embedding(10, 4, sparse=True))
        return model, lambda: model(torch.tensor([1, 2, 5])).square().mean()
    model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(16, 2))
    return model, lambda: model(torch.randn(3, 2, 4, 4)).square().mean()


def step(optimizer, compute_loss):
    def closure():
        optimizer.zero_grad()
        loss = compute_loss()
        loss.backward()
        return loss
    if isinstance(optimizer, torch.optim.LBFGS):
        optimizer.step(closure)  # LBFGS re-evaluates the loss, so it needs the closure
    else:
        closure()
        optimizer.step()


@pytest.mark.parametrize("name", TORCH_OPTIMIZERS)
def test_every_torch_optimizer_builds_and_steps(name):
    model, compute_loss = model_and_loss(name)
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = build_optimizer(model, dict(type=name, lr=0.01))
    assert type(optimizer) is getattr(torch.optim, name)
    step(optimizer, compute_loss)
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters())), "the step changed nothing"


@pytest.mark.parametrize("name", TORCH_OPTIMIZERS)
def test_every_torch_optimizer_with_paramwise_groups(name):
    model, compute_loss = model_and_loss(name)
    cfg = dict(type=name, lr=0.01, paramwise_cfg=dict(custom_keys={"0.": dict(lr_mult=0.5)}))
    if name == "LBFGS":  # torch's LBFGS takes a single parameter group; the error says so and names the path
        with pytest.raises(ValueError, match=r"^optimizer: LBFGS failed: .*per-parameter options"):
            build_optimizer(model, cfg)
        return
    optimizer = build_optimizer(model, cfg)
    assert len(optimizer.param_groups) == len(list(model.parameters()))
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.005)
    step(optimizer, compute_loss)


def test_an_optimizers_own_check_is_reported_with_the_config_path():
    with pytest.raises(ValueError, match=r"^optimizer: Muon failed: .*2D parameters"):
        build_optimizer(nn.Conv2d(1, 1, 3), dict(type="Muon"))


def test_an_unknown_optimizer_suggests_the_close_name():
    with pytest.raises(ConfigError, match=r"^optimizer.type: 'Adamw' is not in OPTIMIZERS \(did you mean 'AdamW'"):
        build_optimizer(nn.Linear(2, 2), dict(type="Adamw", lr=0.1))
