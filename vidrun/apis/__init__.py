"""What the commands are made of: training a model from a config, testing it, inference on videos."""
from vidrun.apis.inference import inference_recognizer, init_recognizer
from vidrun.apis.test import test_model
from vidrun.apis.train import train_model

__all__ = ["inference_recognizer", "init_recognizer", "test_model", "train_model"]
