"""The registries of data sets (`data.train.type`), pipeline transforms (`data.train.pipeline[i].type`) and
mini-batch blendings (`model.train_cfg.blending.type`: mixup, cutmix)."""
from vidrun.registry import Registry

DATASETS = Registry("DATASETS")
PIPELINES = Registry("PIPELINES")
BLENDINGS = Registry("BLENDINGS")
