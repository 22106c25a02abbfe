"""Small real models covering every paramwise rule, and a fixture that registers user classes for one test."""
import pytest
import torch
from torch import nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(3, 8, 3)                # a plain conv: weight and bias
        self.bn = nn.BatchNorm3d(8)
        self.dwconv = nn.Conv3d(8, 8, 3, groups=8)    # depthwise: in_channels == groups
        self.gn = nn.GroupNorm(2, 8)
        self.layer1 = nn.Conv2d(8, 8, 1)
        self.layer1_dw = nn.Conv2d(8, 8, 3, groups=8, bias=False)


class Net(nn.Module):
    """`backbone.*`, `neck_ln` (LayerNorm), `head` (Linear) and `frozen` (a Linear whose weight is frozen)."""

    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        self.neck_ln = nn.LayerNorm(8)
        self.head = nn.Linear(8, 4)
        self.frozen = nn.Linear(4, 4)
        self.frozen.weight.requires_grad_(False)


class Tied(nn.Module):
    """`decoder.weight` is `embed.weight` (tied weights): one parameter under two names."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(4, 4, bias=False)
        self.decoder = nn.Linear(4, 4)
        self.decoder.weight = self.embed.weight


@pytest.fixture
def net():
    torch.manual_seed(0)
    return Net()


@pytest.fixture
def tied():
    torch.manual_seed(0)
    return Tied()


@pytest.fixture
def register():
    """`register(REGISTRY, cls)` registers `cls` under its name for this test only (restoring what was there)."""
    added = []

    def register_for_test(registry, cls):
        added.append((registry, cls.__name__, registry.get(cls.__name__)))
        registry.register_module(module=cls, force=True)
        return cls
    yield register_for_test
    for registry, name, previous in reversed(added):
        if previous is None:
            registry.module_dict.pop(name, None)
        else:
            registry.module_dict[name] = previous
