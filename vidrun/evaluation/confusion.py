"""The confusion matrix of predicted against true labels."""
from __future__ import annotations

from typing import Any

import numpy as np

from vidrun.evaluation.inputs import check_same_length, label_vector

NORMALIZE_MODES = (None, "true", "pred", "all")


def confusion_matrix(y_pred: Any, y_real: Any, normalize: str | None = None) -> np.ndarray:
    """Counts of (true, predicted) pairs: `cm[i, j]` = samples of label `labels[i]` predicted as `labels[j]`,
    where `labels` is the sorted union of the labels in `y_pred` and `y_real` (so a class absent from both
    has no row; a matrix over all classes needs every class to occur).

    Without `normalize` the result is int64. `'true'` divides each row by its sum (per-class recall on the
    diagonal), `'pred'` each column by its sum (precision), `'all'` by the total; the result is float64 and
    an empty row or column stays 0 rather than NaN.
    """
    if normalize not in NORMALIZE_MODES:
        raise ValueError(f"normalize must be one of {', '.join(map(repr, NORMALIZE_MODES))}, got {normalize!r}")
    pred = label_vector(y_pred, "y_pred")
    real = label_vector(y_real, "y_real")
    check_same_length("y_pred", pred.shape[0], "y_real", real.shape[0])
    labels, index = np.unique(np.concatenate([real, pred]), return_inverse=True)
    num = labels.shape[0]
    real_index, pred_index = index[:real.shape[0]], index[real.shape[0]:]
    counts = np.bincount(real_index * num + pred_index, minlength=num * num).reshape(num, num)
    counts = counts.astype(np.int64, copy=False)
    if normalize is None:
        return counts
    totals = {"true": counts.sum(axis=1, keepdims=True), "pred": counts.sum(axis=0, keepdims=True),
              "all": counts.sum()}[normalize]
    return np.divide(counts, totals, out=np.zeros((num, num)), where=totals != 0)
