"""average_precision and mean_average_precision, worked out by hand, including tied scores."""
import numpy as np
import pytest

from vidrun.evaluation import average_precision, mean_average_precision


def test_average_precision_by_hand():
    # Ranked: + − + −. Precision at the positives: 1/1 and 2/3; AP = (1 + 2/3)/2 = 5/6.
    assert average_precision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0]) == pytest.approx(5 / 6)


def test_perfect_and_worst_rankings():
    assert average_precision([0.9, 0.8, 0.1], [1, 1, 0]) == 1.0
    # The one positive is ranked last of 3: AP = 1/3.
    assert average_precision([0.9, 0.8, 0.1], [0, 0, 1]) == pytest.approx(1 / 3)


def test_tied_scores_pass_the_threshold_together():
    # Thresholds 0.8 (2 samples, 1 positive: P 1/2, R 1/2) and 0.7 (3 samples, 2 positives: P 2/3, R 1):
    # AP = 1/2·1/2 + 1/2·2/3 = 7/12, whichever tied sample comes first. Ranking the positive first would give
    # 5/6, the other way round 7/12; scikit-learn gives 7/12 for both.
    assert average_precision([0.8, 0.8, 0.7, 0.1], [0, 1, 1, 0]) == pytest.approx(7 / 12)
    assert average_precision([0.8, 0.8, 0.7, 0.1], [1, 0, 1, 0]) == pytest.approx(7 / 12)
    # All tied: one threshold, precision = the fraction of positives.
    assert average_precision([0.5] * 4, [1, 0, 1, 0]) == 0.5


def test_without_ties_it_is_the_mean_precision_at_the_positives():
    rng = np.random.default_rng(0)
    for _ in range(20):
        scores, targets = rng.random(30), rng.integers(0, 2, 30)
        targets[0] = 1
        ranked = targets[np.argsort(-scores)]
        hits = np.cumsum(ranked)
        expected = np.mean([hits[i] / (i + 1) for i in np.flatnonzero(ranked)])
        assert average_precision(scores, targets.astype(bool)) == pytest.approx(expected)


def test_average_precision_errors():
    with pytest.raises(ValueError, match="without a positive"):
        average_precision([0.3, 0.2], [0, 0])
    with pytest.raises(ValueError, match="targets must be 0 or 1"):
        average_precision([0.3, 0.2], [0, 2])
    with pytest.raises(ValueError, match="scores and targets differ in length: 2 vs 3"):
        average_precision([0.3, 0.2], [0, 1, 1])
    with pytest.raises(ValueError, match="empty"):
        average_precision([], [])
    with pytest.raises(ValueError, match="NaN in 1 of 2"):
        average_precision([np.nan, 0.2], [0, 1])


# 4 videos × 3 classes. Class 0: the hand case above, AP 5/6. Class 1: its one positive ranks first, AP 1.
# Class 2 has no positive and is skipped. mAP = (5/6 + 1)/2 = 11/12.
SCORES = [[0.9, 0.2, 0.1],
          [0.8, 0.6, 0.2],
          [0.7, 0.4, 0.3],
          [0.1, 0.3, 0.4]]
MULTI_HOT = [[1, 0, 0],
             [0, 1, 0],
             [1, 0, 0],
             [0, 0, 0]]
CLASS_IDS = [[0], [1], [0], []]


def test_mean_average_precision_by_hand():
    assert mean_average_precision(SCORES, np.array(MULTI_HOT)) == pytest.approx(11 / 12)


def test_labels_as_multi_hot_rows_or_class_ids_agree():
    assert mean_average_precision(SCORES, [np.array(row) for row in MULTI_HOT]) == pytest.approx(11 / 12)
    assert mean_average_precision(SCORES, CLASS_IDS) == pytest.approx(11 / 12)


def test_mean_average_precision_errors():
    with pytest.raises(ValueError, match="scores and labels differ in length: 4 vs 3"):
        mean_average_precision(SCORES, CLASS_IDS[:3])
    with pytest.raises(ValueError, match=r"labels\[1\] = \[3\] has a class id outside \[0, 3\)"):
        mean_average_precision(SCORES, [[0], [3], [0], []])
    with pytest.raises(ValueError, match=r"must be \[N, 3\], got shape \(4, 2\)"):
        mean_average_precision(SCORES, np.zeros((4, 2), int))
    with pytest.raises(ValueError, match="no class has a positive label"):
        mean_average_precision(SCORES, [[], [], [], []])
    with pytest.raises(ValueError, match="empty"):
        mean_average_precision([], [])
    scores = np.array(SCORES)
    scores[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN in 1 of 4 rows"):
        mean_average_precision(scores, CLASS_IDS)
