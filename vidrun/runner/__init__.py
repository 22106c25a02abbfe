"""The runtime: runners, hooks, optimizers and checkpoints — the extension points of the tutorial.

`from vidrun.runner import HOOKS, Hook, OPTIMIZERS, OPTIMIZER_BUILDERS` is all a user module needs to add
an optimizer, an optimizer constructor or a hook that a config can name.
"""
from vidrun.runner.base_runner import BaseRunner
from vidrun.runner.builder import DefaultRunnerConstructor, build_runner, build_runner_constructor
from vidrun.runner.dist_utils import allreduce_grads, allreduce_params
from vidrun.runner.distributed import DistributedDataParallelWrapper, convert_sync_batchnorm
from vidrun.runner.checkpoint import get_state_dict, load_checkpoint, load_state_dict, save_checkpoint
from vidrun.runner.epoch_based_runner import EpochBasedRunner, Runner
from vidrun.runner.fp16_utils import auto_fp16, force_fp32, wrap_fp16_model
from vidrun.runner.hooks import *  # noqa: F401,F403 - every built-in hook, registered in HOOKS
from vidrun.runner.hooks import __all__ as _hook_names
from vidrun.runner.iter_based_runner import IterBasedRunner
from vidrun.runner.iter_loader import IterLoader
from vidrun.runner.gpu_test import multi_gpu_test, single_gpu_test
from vidrun.runner.log_buffer import LogBuffer
from vidrun.runner.state_dict_names import weights_to_cpu
from vidrun.runner.optimizer import (OPTIMIZER_BUILDERS, OPTIMIZERS, DefaultOptimizerConstructor,
                                     TORCH_OPTIMIZERS, build_optimizer, build_optimizer_constructor)
from vidrun.runner.priority import Priority, get_priority
from vidrun.runner.registries import RUNNER_BUILDERS, RUNNERS
from vidrun.runner.result_gathering import collect_results
from vidrun.runner.utils import get_host_info, get_time_str, obj_from_dict
from vidrun.utils import get_dist_info, init_dist, master_only, set_random_seed

__all__ = [
    "BaseRunner", "DefaultOptimizerConstructor", "DistributedDataParallelWrapper", "EpochBasedRunner",
    "IterBasedRunner", "LogBuffer", "OPTIMIZERS", "OPTIMIZER_BUILDERS", "Priority", "RUNNERS", "build_optimizer",
    "build_optimizer_constructor", "build_runner", "collect_results", "convert_sync_batchnorm", "get_priority",
    "load_checkpoint", "save_checkpoint", *_hook_names,
    # mmcv.runner's names for what lives elsewhere in vidrun (docs/porting-from-mmcv.md)
    "TORCH_OPTIMIZERS", "get_dist_info", "get_state_dict", "init_dist", "load_state_dict", "master_only",
    "multi_gpu_test", "set_random_seed", "single_gpu_test", "Runner", "get_host_info", "get_time_str",
    "obj_from_dict", "weights_to_cpu", "allreduce_grads", "allreduce_params", "IterLoader", "auto_fp16",
    "force_fp32", "wrap_fp16_model", "DefaultRunnerConstructor", "RUNNER_BUILDERS", "build_runner_constructor",
]
