"""Shared building blocks of the model zoo, named as MMAction2 names them (their names are state-dict keys).

`ConvModule` (conv → norm → act: `conv`, `bn`, `activate`), the builders of conv / norm / activation layers
from config dicts, the residual blocks of 2D and 3D ResNets, and TSM's `TemporalShift` and `TemporalPool`;
mmcv's transformer bricks and TimeSformer's divided attention.
Backbones import these; none copies one with a twist.
"""
from vidrun.models.layers.builders import (ABBREVIATIONS, ACTIVATIONS, BY_DIMS, CONVS, NORMS,
                                           build_activation_layer, build_conv_layer, build_norm_layer,
                                           norm_abbreviation)
from vidrun.models.layers.conv2plus1d import Conv2plus1d
from vidrun.models.layers.conv_module import ConvModule
from vidrun.models.layers.inverted_residual import InvertedResidual
from vidrun.models.layers.non_local import NonLocal3d, NonLocalFrames
from vidrun.models.layers.resnet3d_blocks import BasicBlock3d, Bottleneck3d
from vidrun.models.layers.resnet_blocks import BasicBlock, Bottleneck, make_res_layer
from vidrun.models.layers.tam import TAM
from vidrun.models.layers.temporal_interlace import CombineNet, TemporalInterlace
from vidrun.models.layers.temporal_pool import TemporalPool
from vidrun.models.layers.temporal_shift import TemporalShift
from vidrun.models.layers.transformer import (ATTENTION, FEEDFORWARD_NETWORK, FFN, TRANSFORMER_LAYER,
                                              TRANSFORMER_LAYER_SEQUENCE, BaseTransformerLayer, DropPath,
                                              MultiheadAttention, TransformerLayerSequence)
from vidrun.models.layers.divided_attention import (DividedSpatialAttentionWithNorm,
                                                    DividedTemporalAttentionWithNorm, FFNWithNorm)

__all__ = ["ABBREVIATIONS", "ACTIVATIONS", "BY_DIMS", "BasicBlock", "BasicBlock3d", "Bottleneck", "Bottleneck3d",
           "CONVS", "ConvModule", "NORMS", "TemporalPool", "TemporalShift", "build_activation_layer",
           "build_conv_layer", "build_norm_layer", "make_res_layer", "norm_abbreviation"]
__all__ += ["CombineNet", "InvertedResidual", "TAM", "TemporalInterlace"]  # MobileNetV2, TIN, TANet
__all__ += ["ATTENTION", "FEEDFORWARD_NETWORK", "FFN", "TRANSFORMER_LAYER", "TRANSFORMER_LAYER_SEQUENCE",  # TimeSformer
            "BaseTransformerLayer", "DividedSpatialAttentionWithNorm", "DividedTemporalAttentionWithNorm", "DropPath",
            "FFNWithNorm", "MultiheadAttention", "TransformerLayerSequence"]
__all__ += ["Conv2plus1d", "NonLocal3d", "NonLocalFrames"]
