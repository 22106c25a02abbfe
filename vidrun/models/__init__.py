"""Models: recognizers built from a backbone, a head and a loss.

`from vidrun.models import RECOGNIZERS, BACKBONES, HEADS, LOSSES, build_model`.
"""
from vidrun.models.backbones import *  # noqa: F401,F403 - every built-in backbone, registered in BACKBONES
from vidrun.models.backbones import __all__ as _backbone_names
from vidrun.models.builder import build_model
from vidrun.models.heads import *  # noqa: F401,F403 - every built-in head, registered in HEADS
from vidrun.models.heads import __all__ as _head_names
from vidrun.models.necks import TPN
from vidrun.models.losses import BCELossWithLogits, CrossEntropyLoss
from vidrun.models.optimizer_constructors import TSMOptimizerConstructor
from vidrun.models.recognizers import BaseRecognizer, Recognizer2D, Recognizer3D
from vidrun.models.registries import BACKBONES, HEADS, LOSSES, NECKS, RECOGNIZERS

__all__ = [
    "BACKBONES", "BCELossWithLogits", "BaseRecognizer", "CrossEntropyLoss", "HEADS", "LOSSES", "NECKS", "RECOGNIZERS",
    "Recognizer2D", "Recognizer3D", "TPN", "TSMOptimizerConstructor", "build_model", *_backbone_names, *_head_names,
]
