"""Average precision of one class and its mean over classes (multi-label), as scikit-learn defines them."""
from __future__ import annotations

from typing import Any

import numpy as np

from vidrun.evaluation.inputs import check_same_length, score_matrix


def average_precision(scores: Any, targets: Any) -> float:
    """AP of one class: `sum_n (R_n - R_{n-1}) P_n` over the distinct score thresholds, highest first
    (scikit-learn's `average_precision_score`).

    Without ties this is the mean, over the positives, of the precision at each positive's rank. Samples with
    tied scores pass a threshold together, so their order does not matter. `targets` are 0/1 (or bool); with
    no positive target AP is undefined, a ValueError.
    """
    values = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(targets)
    if values.ndim != 1 or truth.ndim != 1:
        raise ValueError(f"scores and targets must be 1-D, got shapes {values.shape} and {truth.shape}")
    check_same_length("scores", values.shape[0], "targets", truth.shape[0])
    if values.size == 0:
        raise ValueError("scores and targets are empty")
    if np.isnan(values).any():
        raise ValueError(f"scores contain NaN in {int(np.isnan(values).sum())} of {values.size} entries")
    if not np.isin(truth, (0, 1)).all():
        raise ValueError(f"targets must be 0 or 1, got values {np.unique(truth).tolist()}")
    if not truth.any():
        raise ValueError("average precision is undefined without a positive target")
    order = np.argsort(-values, kind="stable")
    ranked_values, ranked_truth = values[order], truth[order].astype(np.int64)
    # The last sample of each run of equal scores: where the threshold is, all of the run included.
    ends = np.r_[np.flatnonzero(np.diff(ranked_values)), values.size - 1]
    true_positives = np.cumsum(ranked_truth)[ends]
    precision = true_positives / (ends + 1)
    recall = true_positives / true_positives[-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def multi_hot(labels: Any, num_classes: int) -> np.ndarray:
    """`labels` as a 0/1 int64 matrix [N, num_classes].

    A 2-D array, or a list of arrays, is taken as multi-hot already and must be [N, num_classes] of 0/1.
    Otherwise each entry is a list of class ids in [0, num_classes).
    """
    if isinstance(labels, np.ndarray) or all(isinstance(x, np.ndarray) for x in labels):
        matrix = np.asarray(labels) if isinstance(labels, np.ndarray) else np.stack(labels)
        if matrix.ndim != 2 or matrix.shape[1] != num_classes:
            raise ValueError(f"multi-hot labels must be [N, {num_classes}], got shape {matrix.shape}")
        if not np.isin(matrix, (0, 1)).all():
            raise ValueError(f"multi-hot labels must be 0 or 1, got values {np.unique(matrix).tolist()}")
        return matrix.astype(np.int64)
    matrix = np.zeros((len(labels), num_classes), dtype=np.int64)
    for row, ids in enumerate(labels):
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ((ids < 0) | (ids >= num_classes)).any():
            raise ValueError(f"labels[{row}] = {ids.tolist()} has a class id outside [0, {num_classes})")
        matrix[row, ids] = 1
    return matrix


def mean_average_precision(scores: Any, labels: Any) -> float:
    """The mean over classes of `average_precision`, for multi-label scores [N, num_classes].

    `labels` is multi-hot ([N, num_classes] array, or a list of such rows as arrays) or a list of class-id
    lists. Classes without a positive sample are skipped; if no class has one, ValueError.
    """
    matrix = score_matrix(scores)
    check_same_length("scores", matrix.shape[0], "labels", len(labels))
    targets = multi_hot(labels, matrix.shape[1])
    present = np.flatnonzero(targets.any(axis=0))
    if present.size == 0:
        raise ValueError("mean average precision is undefined: no class has a positive label")
    return float(np.mean([average_precision(matrix[:, cls], targets[:, cls]) for cls in present]))
