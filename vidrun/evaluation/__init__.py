"""Metrics: pure functions of per-video scores and labels (numpy in, Python floats or arrays out)."""
from vidrun.evaluation.accuracy import mean_class_accuracy, top_k_accuracy
from vidrun.evaluation.average_precision import average_precision, mean_average_precision
from vidrun.evaluation.confusion import confusion_matrix

__all__ = ["average_precision", "confusion_matrix", "mean_average_precision", "mean_class_accuracy",
           "top_k_accuracy"]
