"""What the commands are made of: training a model from a config, testing it, inference on videos."""
from vidrun.apis.inference import inference_recognizer, init_recognizer
from vidrun.apis.test import test_model
from vidrun.apis.train import train_model
from vidrun.runner.gpu_test import multi_gpu_test, single_gpu_test  # where MMAction2's scripts import them

__all__ = ["inference_recognizer", "init_recognizer", "multi_gpu_test", "single_gpu_test", "test_model",
           "train_model"]
