"""The registries of data sets (`data.train.type`) and pipeline transforms (`data.train.pipeline[i].type`)."""
from vidrun.registry import Registry

DATASETS = Registry("DATASETS")
PIPELINES = Registry("PIPELINES")
