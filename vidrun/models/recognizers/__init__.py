"""Recognizers: a backbone and a head, with the steps a runner calls. Registered in `RECOGNIZERS`."""
from vidrun.models.recognizers.base import BaseRecognizer
from vidrun.models.recognizers.recognizer2d import Recognizer2D
from vidrun.models.recognizers.recognizer3d import Recognizer3D

__all__ = ["BaseRecognizer", "Recognizer2D", "Recognizer3D"]
