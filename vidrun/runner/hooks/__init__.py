"""The built-in hooks, one a module; importing this package registers them all in `HOOKS`."""
from vidrun.runner.hooks.checkpoint import CheckpointHook
from vidrun.runner.hooks.closure import ClosureHook
from vidrun.runner.hooks.ema import EMAHook
from vidrun.runner.hooks.dist_evaluation import DistEvalHook
from vidrun.runner.hooks.evaluation import EvalHook
from vidrun.runner.inference_loops import multi_process_test, single_process_test
from vidrun.runner.hooks.fp16 import Fp16OptimizerHook
from vidrun.runner.hooks.cumulative_fp16 import GradientCumulativeFp16OptimizerHook
from vidrun.runner.hooks.hook import EVENTS, HOOKS, Hook
from vidrun.runner.hooks.iter_timer import IterTimerHook
from vidrun.runner.hooks.logger.base import LoggerHook
from vidrun.runner.hooks.logger.mlflow import MlflowLoggerHook
from vidrun.runner.hooks.logger.tensorboard import TensorboardLoggerHook
from vidrun.runner.hooks.logger.text import TextLoggerHook
from vidrun.runner.hooks.logger.tracking import TrackingLoggerHook
from vidrun.runner.hooks.logger.wandb import WandbLoggerHook
from vidrun.runner.hooks.lr_updater import (CosineAnnealingLrUpdaterHook, CosineRestartLrUpdaterHook,
                                            CyclicLrUpdaterHook, ExpLrUpdaterHook, FixedLrUpdaterHook,
                                            FlatCosineAnnealingLrUpdaterHook, InvLrUpdaterHook,
                                            LinearAnnealingLrUpdaterHook, OneCycleLrUpdaterHook,
                                            PolyLrUpdaterHook, StepLrUpdaterHook)
from vidrun.runner.hooks.memory import EmptyCacheHook
from vidrun.runner.hooks.momentum_updater import (CosineAnnealingMomentumUpdaterHook,
                                                  CyclicMomentumUpdaterHook, LinearAnnealingMomentumUpdaterHook,
                                                  OneCycleMomentumUpdaterHook, StepMomentumUpdaterHook)
from vidrun.runner.hooks.optimizer import GradientCumulativeOptimizerHook, OptimizerHook
from vidrun.runner.hooks.param_updater import LrUpdaterHook, MomentumUpdaterHook
from vidrun.runner.hooks.preemption import PreemptionHook
from vidrun.runner.hooks.profiler import ProfilerHook
from vidrun.runner.hooks.sampler_seed import DistSamplerSeedHook
from vidrun.runner.hooks.sync_buffer import SyncBuffersHook

__all__ = [
    "CheckpointHook", "DistEvalHook", "CosineAnnealingLrUpdaterHook", "CosineAnnealingMomentumUpdaterHook",
    "CosineRestartLrUpdaterHook", "CyclicLrUpdaterHook", "CyclicMomentumUpdaterHook", "DistSamplerSeedHook",
    "EMAHook", "EVENTS", "EmptyCacheHook", "EvalHook", "ExpLrUpdaterHook", "FixedLrUpdaterHook", "Fp16OptimizerHook",
    "FlatCosineAnnealingLrUpdaterHook", "GradientCumulativeOptimizerHook", "HOOKS", "Hook", "InvLrUpdaterHook",
    "IterTimerHook", "LinearAnnealingLrUpdaterHook", "LinearAnnealingMomentumUpdaterHook", "LoggerHook",
    "LrUpdaterHook", "MlflowLoggerHook", "MomentumUpdaterHook", "OneCycleLrUpdaterHook", "OneCycleMomentumUpdaterHook",
    "OptimizerHook", "PreemptionHook", "PolyLrUpdaterHook", "StepLrUpdaterHook", "StepMomentumUpdaterHook", "TensorboardLoggerHook",
    "TextLoggerHook", "TrackingLoggerHook", "WandbLoggerHook", "multi_process_test", "single_process_test",
    "GradientCumulativeFp16OptimizerHook",
    "ClosureHook", "SyncBuffersHook", "ProfilerHook",
]
