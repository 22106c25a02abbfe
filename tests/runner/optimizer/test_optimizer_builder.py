"""`build_optimizer` and `build_optimizer_constructor`: the tutorial's `MyOptimizer` and
`MyOptimizerConstructor`, constructor subclasses, errors naming `optimizer.constructor`, and the caller's config
left untouched."""
import copy
import textwrap

import pytest
import torch
from torch.optim import Optimizer

from vidrun import Config
from vidrun.config import ConfigError
from vidrun.runner.optimizer import (OPTIMIZER_BUILDERS, OPTIMIZERS, DefaultOptimizerConstructor, build_optimizer,
                                     build_optimizer_constructor)


class MyOptimizer(Optimizer):
    """The tutorial's optimizer with arguments a, b, c (here: step size, weight decay, gradient clip value),
    taking the parameters as `params` like every torch optimizer."""

    def __init__(self, params, a, b, c):
        super().__init__(params, dict(a=a, b=b, c=c))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(-group["a"] * (p.grad.clamp(-group["c"], group["c"]) + group["b"] * p))


class MyOptimizerConstructor:
    """The tutorial's constructor: a head group with a 10x lr, everything else with the optimizer's lr."""

    seen = []

    def __init__(self, optimizer_cfg, paramwise_cfg=None):
        self.optimizer_cfg, self.paramwise_cfg = optimizer_cfg, paramwise_cfg
        MyOptimizerConstructor.seen.append((dict(optimizer_cfg), paramwise_cfg))

    def __call__(self, model):
        head = list(model.head.parameters())
        rest = [p for name, p in model.named_parameters() if not name.startswith("head.")]
        lr = self.optimizer_cfg.pop("lr")  # a careless constructor that changes what it was given
        return torch.optim.SGD([dict(params=rest), dict(params=head, lr=lr * self.paramwise_cfg["head_mult"])],
                               lr=lr)


def test_the_default_constructor_and_build_optimizer_constructor(net):
    constructor = build_optimizer_constructor(dict(type="DefaultOptimizerConstructor",
                                                   optimizer_cfg=dict(type="SGD", lr=0.1), paramwise_cfg=None))
    assert isinstance(constructor, DefaultOptimizerConstructor) and constructor.paramwise_cfg == {}
    assert (constructor.base_lr, constructor.base_wd) == (0.1, None)
    assert isinstance(constructor(net), torch.optim.SGD)
    assert isinstance(build_optimizer(net, dict(type=torch.optim.Adam, lr=0.1)), torch.optim.Adam)


def test_the_tutorials_optimizer(register, net):
    register(OPTIMIZERS, MyOptimizer)
    optimizer = build_optimizer(net, dict(type="MyOptimizer", a=0.5, b=0.0, c=10.0))
    assert type(optimizer) is MyOptimizer and optimizer.defaults == dict(a=0.5, b=0.0, c=10.0)
    before = net.head.weight.detach().clone()
    net.head(torch.randn(3, 8)).sum().backward()
    optimizer.step()
    torch.testing.assert_close(net.head.weight.detach(), before - 0.5 * net.head.weight.grad)


def test_an_lr_multiplier_needs_an_lr_the_tutorials_optimizer_lacks(register, net):
    register(OPTIMIZERS, MyOptimizer)
    with pytest.raises(ConfigError, match=r"^optimizer.paramwise_cfg.bias_lr_mult: an lr multiplier needs a "
                                          r"base lr, but optimizer sets no lr"):
        build_optimizer(net, dict(type="MyOptimizer", a=0.5, b=0.0, c=1.0, paramwise_cfg=dict(bias_lr_mult=2)))
    # without a multiplier, groups leave the lr alone
    optimizer = build_optimizer(net, dict(type="MyOptimizer", a=0.5, b=0.0, c=1.0,
                                          paramwise_cfg=dict(custom_keys={"head": {}})))
    assert len(optimizer.param_groups) == 17 and "lr" not in optimizer.param_groups[0]


def test_an_optimizer_written_without_params_is_a_clear_error(register, net):
    class MyOptimizer(Optimizer):  # as the tutorial prints it: def __init__(self, a, b, c)
        def __init__(self, a, b, c):
            pass
    register(OPTIMIZERS, MyOptimizer)
    with pytest.raises(ConfigError) as error:
        build_optimizer(net, dict(type="MyOptimizer", a=1, b=2, c=3))
    assert error.value.problems == [
        "optimizer.type: MyOptimizer must accept the parameters to optimize as an argument named `params`: "
        "define __init__(self, params, ...) and pass them on with super().__init__(params, defaults); vidrun "
        "calls MyOptimizer(params=..., <the other optimizer keys>)"]


def test_the_tutorials_optimizer_constructor(register, net):
    register(OPTIMIZER_BUILDERS, MyOptimizerConstructor)
    MyOptimizerConstructor.seen.clear()
    cfg = dict(type="SGD", lr=0.02, constructor="MyOptimizerConstructor", paramwise_cfg=dict(head_mult=10))
    original = copy.deepcopy(cfg)
    optimizer = build_optimizer(net, cfg)
    assert MyOptimizerConstructor.seen == [(dict(type="SGD", lr=0.02), dict(head_mult=10))]
    assert optimizer.param_groups[1]["params"] == [net.head.weight, net.head.bias]
    assert optimizer.param_groups[1]["lr"] == pytest.approx(0.2) and optimizer.param_groups[0]["lr"] == 0.02
    assert cfg == original, "the caller's config is never changed"


def test_a_loaded_config_is_never_changed(register, net, tmp_path):
    register(OPTIMIZER_BUILDERS, MyOptimizerConstructor)
    path = tmp_path / "config.py"
    path.write_text(textwrap.dedent("""
        optimizer = dict(type='SGD', lr=0.02, constructor='MyOptimizerConstructor', paramwise_cfg=dict(head_mult=3))
        other = dict(type='SGD', lr=0.1, weight_decay=1e-4,
                     paramwise_cfg=dict(bias_lr_mult=2., custom_keys={'head': dict(lr_mult=0.5)}))
    """))
    cfg = Config.fromfile(str(path))
    original = copy.deepcopy(cfg.to_dict())
    build_optimizer(net, cfg.optimizer)
    build_optimizer(net, cfg.other)
    assert cfg.to_dict() == original


def test_a_plain_config_with_nested_dicts_is_never_changed(net):
    custom_keys = {"head": dict(lr_mult=0.5)}
    paramwise_cfg = dict(bias_lr_mult=2.0, custom_keys=custom_keys)
    cfg = dict(type="SGD", lr=0.1, paramwise_cfg=paramwise_cfg)
    original = copy.deepcopy(cfg)
    build_optimizer(net, cfg)
    assert cfg == original and cfg["paramwise_cfg"] is paramwise_cfg and paramwise_cfg["custom_keys"] is custom_keys


def test_an_unknown_constructor_is_named_with_a_suggestion(tmp_path, net):
    path = tmp_path / "config.py"
    path.write_text("optimizer = dict(type='SGD', lr=0.1,\n"
                    "                 constructor='DefaultOptimiserConstructor')\n")
    cfg = Config.fromfile(str(path))
    with pytest.raises(ConfigError) as error:
        build_optimizer(net, cfg.optimizer)
    assert str(error.value).startswith(
        f"optimizer.constructor ({path}:2): 'DefaultOptimiserConstructor' is not in OPTIMIZER_BUILDERS "
        "(did you mean 'DefaultOptimizerConstructor'")


def test_a_constructor_breaking_the_contract_is_named(register, net):
    class NoParamwiseConstructor:
        def __init__(self, optimizer_cfg):
            pass

        def __call__(self, model):
            return None
    register(OPTIMIZER_BUILDERS, NoParamwiseConstructor)
    with pytest.raises(ConfigError, match=r"^optimizer.constructor: NoParamwiseConstructor cannot be called with "
                                          r"optimizer_cfg, paramwise_cfg \(.*\); an optimizer constructor defines "
                                          r"__init__\(self, optimizer_cfg, paramwise_cfg=None\)"):
        build_optimizer(net, dict(type="SGD", lr=0.1, constructor="NoParamwiseConstructor"))


def test_a_constructor_returning_no_optimizer_is_a_type_error(register, net):
    class LazyConstructor:
        def __init__(self, optimizer_cfg, paramwise_cfg=None):
            pass

        def __call__(self, model):
            return list(model.parameters())
    register(OPTIMIZER_BUILDERS, LazyConstructor)
    with pytest.raises(TypeError, match=r"^optimizer.constructor: LazyConstructor\(model\) returned list, not an "
                                        r"optimizer"):
        build_optimizer(net, dict(type="SGD", lr=0.1, constructor="LazyConstructor"))


def test_a_subclass_overriding_add_params_reads_its_own_keys(register, net):
    class FcLr5Constructor(DefaultOptimizerConstructor):
        """In the style of MMAction2's TSMOptimizerConstructor: its own `fc_lr5` key."""

        def add_params(self, params, model, prefix=""):
            fc_mult = 5.0 if self.paramwise_cfg["fc_lr5"] else 1.0
            params.append(dict(params=list(model.head.parameters()), lr=self.base_lr * fc_mult))
            params.append(dict(params=[p for n, p in model.named_parameters() if not n.startswith("head.")]))
    register(OPTIMIZER_BUILDERS, FcLr5Constructor)
    optimizer = build_optimizer(net, dict(type="SGD", lr=0.01, weight_decay=1e-4, constructor="FcLr5Constructor",
                                          paramwise_cfg=dict(fc_lr5=True)))
    assert [g["lr"] for g in optimizer.param_groups] == [pytest.approx(0.05), 0.01]
    with pytest.raises(ConfigError, match="a decay multiplier needs a base weight decay"):  # known keys: checked
        build_optimizer(net, dict(type="SGD", lr=0.01, constructor="FcLr5Constructor",
                                  paramwise_cfg=dict(fc_lr5=True, norm_decay_mult=0.0)))


def test_a_subclass_declaring_its_keys_has_them_checked(register, net):
    class StrictConstructor(DefaultOptimizerConstructor):
        paramwise_keys = DefaultOptimizerConstructor.paramwise_keys | {"fc_lr5"}

        def add_params(self, params, model, prefix=""):
            super().add_params(params, model, prefix)
    register(OPTIMIZER_BUILDERS, StrictConstructor)
    build_optimizer(net, dict(type="SGD", lr=0.01, constructor="StrictConstructor", paramwise_cfg=dict(fc_lr5=1)))
    with pytest.raises(ConfigError, match=r"paramwise_cfg.fc_lr: paramwise_cfg takes no key 'fc_lr' \(did you "
                                          r"mean 'fc_lr5'"):
        build_optimizer(net, dict(type="SGD", lr=0.01, constructor="StrictConstructor", paramwise_cfg=dict(fc_lr=1)))
