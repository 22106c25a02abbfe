"""Optimizers from the config's `optimizer` entry: the `OPTIMIZERS` and `OPTIMIZER_BUILDERS` registries,
`DefaultOptimizerConstructor` (`paramwise_cfg`) and `build_optimizer`."""
from vidrun.runner.optimizer.builder import build_optimizer, build_optimizer_constructor
from vidrun.runner.optimizer.default_constructor import DefaultOptimizerConstructor
from vidrun.runner.optimizer.registries import OPTIMIZER_BUILDERS, OPTIMIZERS, TORCH_OPTIMIZERS

__all__ = ["DefaultOptimizerConstructor", "OPTIMIZERS", "OPTIMIZER_BUILDERS", "build_optimizer",
           "build_optimizer_constructor", "TORCH_OPTIMIZERS"]
