"""confusion_matrix: counts and the three normalisations, computed by hand."""
import numpy as np
import pytest

from vidrun.evaluation import confusion_matrix

Y_REAL = [0, 0, 1, 2, 2, 2]
Y_PRED = [0, 1, 1, 2, 2, 0]
# Rows are true labels: class 0 → predicted 0, 1; class 1 → 1; class 2 → 2, 2, 0.
COUNTS = [[1, 1, 0],
          [0, 1, 0],
          [1, 0, 2]]


def test_counts_rows_true_columns_predicted():
    matrix = confusion_matrix(Y_PRED, Y_REAL)
    assert matrix.dtype == np.int64
    assert matrix.tolist() == COUNTS


@pytest.mark.parametrize("normalize, expected", [
    ("true", [[1 / 2, 1 / 2, 0], [0, 1, 0], [1 / 3, 0, 2 / 3]]),   # row sums 2, 1, 3
    ("pred", [[1 / 2, 1 / 2, 0], [0, 1 / 2, 0], [1 / 2, 0, 1]]),   # column sums 2, 2, 2
    ("all", [[c / 6 for c in row] for row in COUNTS]),              # total 6
])
def test_normalize(normalize, expected):
    np.testing.assert_allclose(confusion_matrix(Y_PRED, Y_REAL, normalize=normalize), expected)


def test_labels_are_the_sorted_union_and_empty_rows_stay_zero():
    # Labels 3, 5, 7: 5 is never a true label (row of zeros), 3 never predicted (column of zeros).
    assert confusion_matrix([7, 5], [3, 7]).tolist() == [[0, 0, 1], [0, 0, 0], [0, 1, 0]]
    for normalize in ("true", "pred", "all"):
        matrix = confusion_matrix([7, 5], [3, 7], normalize=normalize)
        assert not np.isnan(matrix).any()
    assert confusion_matrix([7, 5], [3, 7], normalize="true").tolist() == [[0, 0, 1], [0, 0, 0], [0, 1, 0]]


def test_errors():
    with pytest.raises(ValueError, match="normalize must be one of None, 'true', 'pred', 'all'"):
        confusion_matrix(Y_PRED, Y_REAL, normalize="row")
    with pytest.raises(ValueError, match="y_pred and y_real differ in length: 6 vs 5"):
        confusion_matrix(Y_PRED, Y_REAL[:5])
    with pytest.raises(ValueError, match="empty"):
        confusion_matrix([], [])
    with pytest.raises(TypeError, match="y_pred must be integers"):
        confusion_matrix([0.0, 1.0], [0, 1])
