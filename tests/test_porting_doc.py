"""docs/porting-from-mmcv.md lists every public name of mmcv 1.7's runner, and the names it says vidrun has
are there."""
import re
from pathlib import Path

import vidrun.runner

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "porting-from-mmcv.md"

# `mmcv.runner.__all__` in mmcv 1.7.2 (82 names), grouped by topic here.
MMCV_RUNNER_ALL = [
    # runners and their parts
    "BaseRunner", "Runner", "EpochBasedRunner", "IterBasedRunner", "LogBuffer", "IterLoader", "build_runner",
    "RUNNERS", "DefaultRunnerConstructor",
    # hooks
    "HOOKS", "Hook", "CheckpointHook", "ClosureHook", "OptimizerHook", "Fp16OptimizerHook",
    "GradientCumulativeOptimizerHook", "GradientCumulativeFp16OptimizerHook", "IterTimerHook",
    "DistSamplerSeedHook", "SyncBuffersHook", "EMAHook", "EvalHook", "DistEvalHook",
    "LrUpdaterHook", "FixedLrUpdaterHook", "StepLrUpdaterHook", "ExpLrUpdaterHook", "PolyLrUpdaterHook",
    "InvLrUpdaterHook", "CosineAnnealingLrUpdaterHook", "FlatCosineAnnealingLrUpdaterHook",
    "CosineRestartLrUpdaterHook", "CyclicLrUpdaterHook", "OneCycleLrUpdaterHook", "LinearAnnealingLrUpdaterHook",
    "MomentumUpdaterHook", "StepMomentumUpdaterHook", "CosineAnnealingMomentumUpdaterHook",
    "CyclicMomentumUpdaterHook", "OneCycleMomentumUpdaterHook", "LinearAnnealingMomentumUpdaterHook",
    # logger hooks
    "LoggerHook", "TextLoggerHook", "TensorboardLoggerHook", "WandbLoggerHook", "MlflowLoggerHook",
    "PaviLoggerHook", "NeptuneLoggerHook", "DvcliveLoggerHook", "SegmindLoggerHook", "ClearMLLoggerHook",
    # checkpoints
    "_load_checkpoint", "_load_checkpoint_with_prefix", "load_state_dict", "load_checkpoint", "weights_to_cpu",
    "save_checkpoint", "CheckpointLoader",
    # priorities, helpers, distributed
    "Priority", "get_priority", "get_host_info", "get_time_str", "obj_from_dict", "set_random_seed", "init_dist",
    "get_dist_info", "master_only", "allreduce_grads", "allreduce_params",
    # optimizers
    "OPTIMIZER_BUILDERS", "OPTIMIZERS", "DefaultOptimizerConstructor", "build_optimizer",
    "build_optimizer_constructor",
    # fp16 and modules
    "auto_fp16", "force_fp32", "wrap_fp16_model", "LossScaler", "BaseModule", "Sequential", "ModuleList",
    "ModuleDict",
]
# The `hooks` sub-package's names beyond the list above (its `optimizer` sub-package adds none).
MMCV_HOOKS_EXTRA = ["EmptyCacheHook", "ProfilerHook"]


def table_rows() -> dict[str, str]:
    """The first table: mmcv name (first backticked word of the first cell) -> the vidrun cell."""
    rows = {}
    for line in DOC.read_text().split("## The runner's methods")[0].splitlines():
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]  # `\|` is in a cell
        if len(cells) == 3 and cells[0].startswith("`"):
            rows[re.match(r"`([^`]+)`", cells[0]).group(1)] = cells[1]
    return rows


def test_every_public_name_of_mmcv_runner_has_a_row():
    assert len(MMCV_RUNNER_ALL) == len(set(MMCV_RUNNER_ALL)) == 82
    rows = table_rows()
    missing = [name for name in MMCV_RUNNER_ALL + MMCV_HOOKS_EXTRA if name not in rows]
    assert not missing, f"no row in {DOC.name} for {missing}"


def test_the_names_vidrun_is_said_to_have_exist():
    claimed = {}
    for mmcv_name, cell in table_rows().items():
        match = re.match(r"`(\w+)`", cell)
        if cell != "none" and match:
            claimed[mmcv_name] = match.group(1)
    assert len(claimed) > 60
    absent = [name for name in claimed.values() if not hasattr(vidrun.runner, name)]
    assert not absent, f"{DOC.name} says vidrun.runner has {absent}"


def test_the_page_is_linked_from_the_readme():
    assert "(docs/porting-from-mmcv.md)" in (ROOT / "README.md").read_text()
