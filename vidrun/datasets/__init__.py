"""Video data: data sets, their pipelines and the data loaders that batch them.

`from vidrun.datasets import DATASETS, PIPELINES, build_dataset, build_dataloader`.
"""
from vidrun.datasets.base import BaseDataset
from vidrun.datasets.blending_utils import BaseMiniBatchBlending, CutmixBlending, MixupBlending
from vidrun.datasets.builder import build_dataloader, build_dataset, dataloader_settings
from vidrun.datasets.collate import collate
from vidrun.datasets.pipelines import *  # noqa: F401,F403 - every built-in transform, registered in PIPELINES
from vidrun.datasets.pipelines import __all__ as _pipeline_names
from vidrun.datasets.rawframe_dataset import RawframeDataset
from vidrun.datasets.registries import BLENDINGS, DATASETS, PIPELINES
from vidrun.datasets.sample_seed import SeededSamples
from vidrun.datasets.samplers import EpochSampler
from vidrun.datasets.video_dataset import VideoDataset
from vidrun.datasets.wrappers import RepeatDataset

__all__ = [
    "BaseDataset", "DATASETS", "PIPELINES", "RawframeDataset", "RepeatDataset", "VideoDataset",
    "BLENDINGS", "BaseMiniBatchBlending", "CutmixBlending", "MixupBlending",
    "build_dataloader", "build_dataset", "collate", "dataloader_settings", *_pipeline_names,
    "EpochSampler", "SeededSamples",
]
