"""Pipeline transforms: frame sampling, decoding, augmentation and formatting, all registered in `PIPELINES`."""
from vidrun.datasets.pipelines.compose import Compose
from vidrun.datasets.pipelines.decord_decode import DecordDecode, DecordInit
from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.datasets.pipelines.formatting import Collect, FormatShape, ToTensor
from vidrun.datasets.pipelines.pyav_decode import PyAVDecode, PyAVInit
from vidrun.datasets.pipelines.rawframe_decode import RawFrameDecode
from vidrun.datasets.pipelines.sampling import DenseSampleFrames, SampleFrames

__all__ = [
    "Collect", "Compose", "DecordDecode", "DecordInit", "DenseSampleFrames", "FormatShape", "PyAVDecode",
    "PyAVInit", "RawFrameDecode", "SampleFrames", "ToTensor", "VideoReadError",
]
