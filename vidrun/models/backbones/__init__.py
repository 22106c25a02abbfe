"""Backbones, registered in `BACKBONES`."""
from vidrun.models.backbones.resnet import ResNet
from vidrun.models.backbones.resnet_tsm import ResNetTSM

__all__ = ["ResNet", "ResNetTSM"]
