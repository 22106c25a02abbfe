"""`paramwise_cfg.dcn_offset_lr_mult` (mmcv's rule for deformable convolutions, a logged no-op without one) and
constructor subclasses that override `__call__` reading `paramwise_cfg` keys of their own."""
import logging

import pytest
import torch
from torch import nn

from vidrun.config import ConfigError
from vidrun.runner.optimizer import OPTIMIZER_BUILDERS, DefaultOptimizerConstructor, build_optimizer


class DeformConv2d(nn.Module):
    """Named as mmcv.ops names it: a weight and a bias of its own (no offsets predicted here)."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_channels, in_channels, 3, 3))
        self.bias = nn.Parameter(torch.zeros(out_channels))


class DeformConv2dPack(DeformConv2d):
    """mmcv's packed flavour: the offsets come from a Conv2d child named `conv_offset`."""

    def __init__(self, in_channels, out_channels):
        super().__init__(in_channels, out_channels)
        self.conv_offset = nn.Conv2d(in_channels, 18, 3)


class WithDcn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.dcn = DeformConv2dPack(4, 4)
        self.conv_offset = nn.Conv2d(4, 4, 1)  # named like an offset predictor, but not in a DCN: plain rules


PARAMWISE = dict(bias_lr_mult=2.0, bias_decay_mult=0.5, dcn_offset_lr_mult=0.1)


def groups_by_name(model, optimizer):
    names = {id(p): n for n, p in model.named_parameters()}
    return {names[id(g["params"][0])]: (g["lr"], g["weight_decay"]) for g in optimizer.param_groups}


def test_offset_convs_of_deformable_convs_take_dcn_offset_lr_mult():
    model = WithDcn()
    optimizer = build_optimizer(model, dict(type="SGD", lr=1.0, weight_decay=1.0, paramwise_cfg=PARAMWISE))
    # By mmcv's rules: a DCN's own bias is a plain bias; its conv_offset child gets base_lr x 0.1 on weight and
    # bias, and its bias is exempt from bias_lr_mult and bias_decay_mult.
    assert groups_by_name(model, optimizer) == {
        "conv.weight": (1.0, 1.0), "conv.bias": (2.0, 0.5),
        "dcn.weight": (1.0, 1.0), "dcn.bias": (2.0, 0.5),
        "dcn.conv_offset.weight": (pytest.approx(0.1), 1.0), "dcn.conv_offset.bias": (pytest.approx(0.1), 1.0),
        "conv_offset.weight": (1.0, 1.0), "conv_offset.bias": (2.0, 0.5),
    }


def test_without_dcn_offset_lr_mult_the_offset_conv_keeps_the_base_lr():
    model = WithDcn()
    optimizer = build_optimizer(model, dict(type="SGD", lr=1.0, weight_decay=1.0,
                                            paramwise_cfg=dict(bias_lr_mult=2.0)))
    assert groups_by_name(model, optimizer)["dcn.conv_offset.bias"] == (1.0, 1.0)


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_without_a_deformable_conv_it_changes_nothing_and_says_so_once():
    handler = Lines()
    logger = logging.getLogger("vidrun")
    logger.addHandler(handler)
    old_level, logger.level = logger.level, logging.INFO
    try:
        model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
        with_mult = build_optimizer(model, dict(type="SGD", lr=0.1, paramwise_cfg=dict(dcn_offset_lr_mult=0.1)))
    finally:
        logger.removeHandler(handler)
        logger.level = old_level
    without = build_optimizer(model, dict(type="SGD", lr=0.1, paramwise_cfg=dict(bias_lr_mult=1.0)))
    assert [g["lr"] for g in with_mult.param_groups] == [g["lr"] for g in without.param_groups] == [0.1] * 4
    said = [line for line in handler.lines if "dcn_offset_lr_mult" in line]
    assert said == ["optimizer.paramwise_cfg.dcn_offset_lr_mult: the model has no deformable convolution "
                    "(DeformConv2d, ModulatedDeformConv2d), so it changes nothing"]


def test_dcn_offset_lr_mult_is_checked():
    with pytest.raises(ConfigError, match="paramwise_cfg.dcn_offset_lr_mult: must be a number"):
        build_optimizer(WithDcn(), dict(type="SGD", lr=0.1, paramwise_cfg=dict(dcn_offset_lr_mult="0.1")))
    with pytest.raises(ConfigError, match="paramwise_cfg.dcn_offset_lr_mul: .*did you mean 'dcn_offset_lr_mult'"):
        build_optimizer(WithDcn(), dict(type="SGD", lr=0.1, paramwise_cfg=dict(dcn_offset_lr_mul=0.1)))


def test_a_subclass_overriding_call_reads_its_own_keys(register):
    class HeadLrConstructor(DefaultOptimizerConstructor):
        def __call__(self, model):
            head = list(model.conv_offset.parameters())
            rest = [p for n, p in model.named_parameters() if not n.startswith("conv_offset.")]
            lr = self.optimizer_cfg["lr"]
            return torch.optim.SGD([dict(params=rest), dict(params=head, lr=lr * self.paramwise_cfg["head_mult"])],
                                   lr=lr)
    register(OPTIMIZER_BUILDERS, HeadLrConstructor)
    optimizer = build_optimizer(WithDcn(), dict(type="SGD", lr=0.1, constructor="HeadLrConstructor",
                                                paramwise_cfg=dict(head_mult=10)))
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 1.0]
    assert HeadLrConstructor.paramwise_keys is None
    # the base class still refuses a typo
    with pytest.raises(ConfigError, match="paramwise_cfg takes no key 'head_mult'"):
        build_optimizer(WithDcn(), dict(type="SGD", lr=0.1, paramwise_cfg=dict(head_mult=10)))
