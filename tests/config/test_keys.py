"""Top-level keys: near misses of the toolbox's vocabulary are errors, helper variables are not; value types."""
import pytest

from vidrun import Config
from vidrun.config import KNOWN_KEYS, ConfigError, validate_top_level

TYPOS = {"lr_confg": "lr_config", "optimzer_config": "optimizer_config", "chekpoint_config": "checkpoint_config",
         "custom_hook": "custom_hooks", "evalution": "evaluation", "total_epoch": "total_epochs"}
HELPERS = ["img_norm_cfg", "train_pipeline", "val_pipeline", "test_pipeline", "data_root", "data_root_val",
           "ann_file_train", "ann_file_val", "ann_file_test", "dataset_type", "clip_len", "num_classes", "split",
           "mc_cfg", "model_cfg", "lr", "epochs", "batch_size", "videos_per_gpu", "workers", "checkpoint",
           "pretrained"]


@pytest.mark.parametrize("typo, key", TYPOS.items())
def test_near_miss_of_a_known_key_is_an_error(typo, key):
    assert validate_top_level({typo: 1}) == [f"{typo}: unknown top-level key; did you mean {key!r}?"]


def test_realistic_helper_names_are_not_flagged():
    assert validate_top_level({name: 1 for name in HELPERS}) == []
    assert validate_top_level({"_privat_cfg": 1, "_lr_confg": 1}) == []


def test_known_keys_pass():
    assert "lr_config" in KNOWN_KEYS and "custom_imports" in KNOWN_KEYS
    assert validate_top_level(dict(model=dict(type="R"), lr_config=None, total_epochs=3, seed=None)) == []


def test_fromfile_reports_typos_with_file_and_line_all_at_once(write):
    path = write("x.py", """
        optimizer = dict(type='SGD', lr=0.1)
        train_pipeline = []
        lr_confg = dict(policy='step', step=[1])
        evalution = dict(interval=1)
        """)
    with pytest.raises(ConfigError) as info:
        Config.fromfile(path)
    assert info.value.problems == [f"lr_confg ({path}:4): unknown top-level key; did you mean 'lr_config'?",
                                   f"evalution ({path}:5): unknown top-level key; did you mean 'evaluation'?"]
    assert "2 problems in the config" in str(info.value)


@pytest.mark.parametrize("value", [[("train", 1), ("val", 1)], [["train", 1]], (("train", 2),)])
def test_good_workflows(value):
    assert validate_top_level(dict(workflow=value)) == []


@pytest.mark.parametrize("value", [[], "train", [("train",)], [("train", "1")], [(1, "train")], [("train", True)]])
def test_bad_workflows(value):
    (problem,) = validate_top_level(dict(workflow=value))
    assert problem.startswith("workflow: must be a non-empty list of (mode, count) pairs")


def test_value_type_problems_name_key_paths_and_lines(write):
    path = write("x.yaml", """\
        model: resnet
        workflow:
          - [train, one]
        custom_hooks:
          - type: A
          - priority: 10
        custom_imports:
          imports: [1]
          allow_failed_import: true
        total_epochs: 0
        work_dir: 3
        seed: 1.5
        """)
    with pytest.raises(ConfigError) as info:
        Config.fromfile(path)
    assert info.value.problems == [
        f"model ({path}:1): must be a dict (or None), got str 'resnet'",
        f"workflow ({path}:2): must be a non-empty list of (mode, count) pairs such as [('train', 1), ('val', 1)], "
        "got [['train', 'one']]",
        f"custom_hooks.1 ({path}:6): must be a dict with a 'type' key, got {{'priority': 10}}",
        f"custom_imports.allow_failed_import ({path}:9): unknown key (did you mean 'allow_failed_imports'?); "
        "custom_imports takes imports, allow_failed_imports",
        f"custom_imports.imports ({path}:8): must be a module name or a list of module names, got [1]",
        f"total_epochs ({path}:10): must be a positive int, got 0",
        f"work_dir ({path}:11): must be a path string (or None), got int 3",
        f"seed ({path}:12): must be an int (or None), got 1.5",
    ]
