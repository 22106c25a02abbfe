"""Weight initialisation as is customary for video models: Kaiming for convolutions, constants for norms,
a normal of small `std` for classifier layers."""
from __future__ import annotations

from torch import nn


def kaiming_init(module: nn.Module, mode: str = "fan_out", nonlinearity: str = "relu", bias: float = 0.0) -> None:
    nn.init.kaiming_normal_(module.weight, mode=mode, nonlinearity=nonlinearity)
    if getattr(module, "bias", None) is not None:
        nn.init.constant_(module.bias, bias)


def constant_init(module: nn.Module, value: float, bias: float = 0.0) -> None:
    if getattr(module, "weight", None) is not None:
        nn.init.constant_(module.weight, value)
    if getattr(module, "bias", None) is not None:
        nn.init.constant_(module.bias, bias)


def normal_init(module: nn.Module, mean: float = 0.0, std: float = 1.0, bias: float = 0.0) -> None:
    nn.init.normal_(module.weight, mean, std)
    if getattr(module, "bias", None) is not None:
        nn.init.constant_(module.bias, bias)


def init_conv_and_norm(model: nn.Module) -> None:
    """Kaiming (fan_out) for every convolution, weight 1 and bias 0 for every norm layer."""
    for module in model.modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            kaiming_init(module)
        elif isinstance(module, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm, nn.LayerNorm)):
            constant_init(module, 1.0)
