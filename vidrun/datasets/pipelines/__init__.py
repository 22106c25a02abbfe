"""Pipeline transforms: frame sampling, decoding, augmentation and formatting, all registered in `PIPELINES`."""
from vidrun.datasets.pipelines.color import ColorJitter
from vidrun.datasets.pipelines.compose import Compose
from vidrun.datasets.pipelines.crops import CenterCrop, MultiScaleCrop, RandomCrop, RandomResizedCrop
from vidrun.datasets.pipelines.decord_decode import DecordDecode, DecordInit
from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.datasets.pipelines.flip import Flip
from vidrun.datasets.pipelines.imgaug import Imgaug
from vidrun.datasets.pipelines.formatting import Collect, FormatShape, ToTensor
from vidrun.datasets.pipelines.lazy import Fuse
from vidrun.datasets.pipelines.multi_view_crops import TenCrop, ThreeCrop
from vidrun.datasets.pipelines.normalize import Normalize
from vidrun.datasets.pipelines.opencv_decode import OpenCVDecode, OpenCVInit
from vidrun.datasets.pipelines.pyav_decode import PyAVDecode, PyAVInit
from vidrun.datasets.pipelines.pytorchvideo_trans import PytorchVideoTrans
from vidrun.datasets.pipelines.random_rescale import RandomRescale
from vidrun.datasets.pipelines.rawframe_decode import RawFrameDecode
from vidrun.datasets.pipelines.resize import Resize
from vidrun.datasets.pipelines.sampling import DenseSampleFrames, SampleFrames, UntrimmedSampleFrames

__all__ = [
    "CenterCrop", "Collect", "ColorJitter", "Compose", "DecordDecode", "DecordInit", "DenseSampleFrames", "Flip",
    "FormatShape", "Fuse", "Imgaug", "MultiScaleCrop", "Normalize", "OpenCVDecode", "OpenCVInit", "PyAVDecode",
    "PyAVInit", "PytorchVideoTrans", "RandomCrop", "RandomRescale", "RandomResizedCrop", "RawFrameDecode", "Resize",
    "SampleFrames", "TenCrop", "ThreeCrop", "ToTensor", "UntrimmedSampleFrames", "VideoReadError",
]
