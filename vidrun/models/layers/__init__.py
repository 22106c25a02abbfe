"""Shared building blocks of the model zoo, named as MMAction2 names them (their names are state-dict keys).

`ConvModule` (conv → norm → act: `conv`, `bn`, `activate`), the builders of conv / norm / activation layers
from config dicts, the residual blocks of 2D and 3D ResNets, and TSM's `TemporalShift` and `TemporalPool`.
Backbones import these; none copies one with a twist.
"""
from vidrun.models.layers.builders import (ABBREVIATIONS, ACTIVATIONS, BY_DIMS, CONVS, NORMS,
                                           build_activation_layer, build_conv_layer, build_norm_layer,
                                           norm_abbreviation)
from vidrun.models.layers.conv2plus1d import Conv2plus1d
from vidrun.models.layers.conv_module import ConvModule
from vidrun.models.layers.non_local import NonLocal3d, NonLocalFrames
from vidrun.models.layers.resnet3d_blocks import BasicBlock3d, Bottleneck3d
from vidrun.models.layers.resnet_blocks import BasicBlock, Bottleneck, make_res_layer
from vidrun.models.layers.temporal_pool import TemporalPool
from vidrun.models.layers.temporal_shift import TemporalShift

__all__ = ["ABBREVIATIONS", "ACTIVATIONS", "BY_DIMS", "BasicBlock", "BasicBlock3d", "Bottleneck", "Bottleneck3d",
           "CONVS", "ConvModule", "NORMS", "TemporalPool", "TemporalShift", "build_activation_layer",
           "build_conv_layer", "build_norm_layer", "make_res_layer", "norm_abbreviation"]
__all__ += ["Conv2plus1d", "NonLocal3d", "NonLocalFrames"]
