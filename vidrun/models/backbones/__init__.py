"""Backbones, registered in `BACKBONES`."""
from vidrun.models.backbones.c3d import C3D
from vidrun.models.backbones.mobilenet_v2 import MobileNetV2
from vidrun.models.backbones.mobilenet_v2_tsm import MobileNetV2TSM
from vidrun.models.backbones.resnet import ResNet
from vidrun.models.backbones.resnet2plus1d import ResNet2Plus1d
from vidrun.models.backbones.resnet3d import ResNet3d
from vidrun.models.backbones.resnet3d_csn import ResNet3dCSN
from vidrun.models.backbones.resnet3d_slowfast import ResNet3dSlowFast
from vidrun.models.backbones.resnet3d_slowonly import ResNet3dSlowOnly
from vidrun.models.backbones.resnet_tin import ResNetTIN
from vidrun.models.backbones.resnet_tsm import ResNetTSM
from vidrun.models.backbones.tanet import TANet
from vidrun.models.backbones.timesformer import TimeSformer
from vidrun.models.backbones.x3d import X3D

__all__ = ["C3D", "ResNet", "ResNet3d", "ResNet3dSlowOnly", "ResNetTSM", "X3D"]
__all__ += ["MobileNetV2", "MobileNetV2TSM", "ResNetTIN", "TANet"]
__all__ += ["TimeSformer"]
__all__ += ["ResNet2Plus1d", "ResNet3dCSN", "ResNet3dSlowFast"]
