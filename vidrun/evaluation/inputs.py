"""Checks shared by the metric functions: score matrices, label vectors and their lengths."""
from __future__ import annotations

from typing import Any

import numpy as np


def score_matrix(scores: Any) -> np.ndarray:
    """`scores` (a list of per-video score vectors or an array) as a float64 array [N, num_classes].

    Raises ValueError for no rows, vectors of different lengths, a shape other than 2-D, or NaN (saying in
    how many rows).
    """
    try:
        matrix = np.asarray(scores, dtype=np.float64)
    except ValueError as error:  # ragged rows
        raise ValueError(f"scores must be score vectors of one length (one per video): {error}") from error
    if matrix.size == 0:
        raise ValueError(f"scores are empty (shape {matrix.shape})")
    if matrix.ndim != 2:
        raise ValueError(f"scores must be [N, num_classes], got an array of shape {matrix.shape}")
    nan_rows = np.flatnonzero(np.isnan(matrix).any(axis=1))
    if nan_rows.size:
        raise ValueError(f"scores contain NaN in {nan_rows.size} of {matrix.shape[0]} rows "
                         f"(first: row {nan_rows[0]})")
    return matrix


def label_vector(labels: Any, name: str = "labels") -> np.ndarray:
    """`labels` as a non-empty 1-D int64 array; anything else (floats, nested lists) is an error."""
    vector = np.asarray(labels)
    if vector.ndim != 1:
        raise ValueError(f"{name} must be one integer label per sample, got an array of shape {vector.shape}")
    if vector.size == 0:
        raise ValueError(f"{name} are empty")
    if not np.issubdtype(vector.dtype, np.integer):
        raise TypeError(f"{name} must be integers, got dtype {vector.dtype}")
    return vector.astype(np.int64, copy=False)


def check_same_length(name_a: str, length_a: int, name_b: str, length_b: int) -> None:
    """ValueError naming both lengths when they differ."""
    if length_a != length_b:
        raise ValueError(f"{name_a} and {name_b} differ in length: {length_a} vs {length_b}")
