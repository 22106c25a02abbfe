"""Single-label accuracy: top-k accuracy and mean class accuracy (MMAction2 semantics)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from vidrun.evaluation.inputs import check_same_length, label_vector, score_matrix


def _checked(scores: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    matrix = score_matrix(scores)
    vector = label_vector(labels)
    check_same_length("scores", matrix.shape[0], "labels", vector.shape[0])
    return matrix, vector


def top_k_accuracy(scores: Any, labels: Any, topk: int | Sequence[int] = (1,)) -> list[float]:
    """For each k in `topk`, the fraction of samples whose label is among their k highest scores.

    `scores` is [N, num_classes], `labels` N integers. The k highest are `argsort(scores)[:, -k:]` with a
    stable sort, so among tied scores the higher class index ranks higher, the same on every platform.
    A k above num_classes counts every class (accuracy 1.0).
    """
    topks = (topk,) if isinstance(topk, int) else tuple(topk)
    if not topks or not all(isinstance(k, int) and not isinstance(k, bool) and k > 0 for k in topks):
        raise ValueError(f"topk must be a positive int or a non-empty list of them, got {topk!r}")
    matrix, vector = _checked(scores, labels)
    ranked = np.argsort(matrix, axis=1, kind="stable")
    return [float((ranked[:, -k:] == vector[:, None]).any(axis=1).mean()) for k in topks]


def mean_class_accuracy(scores: Any, labels: Any) -> float:
    """The mean, over the classes that occur in `labels`, of the fraction of their samples whose highest score
    is that class (per-class recall of the argmax prediction).

    Unlike top-1 accuracy every class weighs the same, however many samples it has. Classes that are only
    predicted, never labelled, do not enter the mean.
    """
    matrix, vector = _checked(scores, labels)
    predicted = matrix.argmax(axis=1)
    recalls = [np.mean(predicted[vector == cls] == cls) for cls in np.unique(vector)]
    return float(np.mean(recalls))
