"""top_k_accuracy and mean_class_accuracy against hand-computed values."""
import numpy as np
import pytest

from vidrun.evaluation import mean_class_accuracy, top_k_accuracy

# 4 videos × 3 classes.
SCORES = [[0.1, 0.7, 0.2],   # label 1: top-1 is 1 (hit);  top-2 {1, 2} (hit)
          [0.5, 0.3, 0.2],   # label 1: top-1 is 0 (miss); top-2 {0, 1} (hit)
          [0.2, 0.3, 0.5],   # label 0: top-1 is 2 (miss); top-2 {2, 1} (miss)
          [0.6, 0.1, 0.3]]   # label 0: top-1 is 0 (hit);  top-2 {0, 2} (hit)
LABELS = [1, 1, 0, 0]


def test_top_k_accuracy_by_hand():
    # top-1: 2 of 4 hits; top-2: 3 of 4; top-3: every class, 4 of 4.
    assert top_k_accuracy(SCORES, LABELS, topk=(1, 2, 3)) == [0.5, 0.75, 1.0]


def test_top_k_accuracy_accepts_an_array_a_single_k_and_a_k_above_num_classes():
    assert top_k_accuracy(np.array(SCORES), np.array(LABELS), topk=2) == [0.75]
    assert top_k_accuracy(SCORES, LABELS, topk=(5,)) == [1.0]
    assert isinstance(top_k_accuracy(SCORES, LABELS)[0], float)


def test_top_k_ties_rank_the_higher_class_index_first():
    # Classes 0 and 1 tie; the stable argsort puts class 1 last, i.e. ranked highest.
    assert top_k_accuracy([[0.5, 0.5, 0.0]] * 2, [1, 0], topk=(1, 2)) == [0.5, 1.0]


def one_hot_scores(predicted):
    return np.eye(3)[predicted] * 0.9 + 0.05


def test_mean_class_accuracy_weighs_classes_equally():
    labels = [0, 0, 0, 1, 1, 2]
    predicted = [0, 0, 1, 1, 0, 2]
    # top-1: 4 of 6 hits. Per class: class 0 2/3, class 1 1/2, class 2 1/1; mean (2/3 + 1/2 + 1)/3 = 13/18.
    assert top_k_accuracy(one_hot_scores(predicted), labels) == [pytest.approx(4 / 6)]
    assert mean_class_accuracy(one_hot_scores(predicted), labels) == pytest.approx(13 / 18)


def test_mean_class_accuracy_ignores_classes_that_are_only_predicted():
    # Class 1 is predicted once but never the label: the mean is over class 0 alone (1 of 2).
    assert mean_class_accuracy(one_hot_scores([0, 1]), [0, 0]) == 0.5


def test_mismatched_lengths_name_both():
    with pytest.raises(ValueError, match="scores and labels differ in length: 4 vs 3"):
        top_k_accuracy(SCORES, [1, 1, 0])
    with pytest.raises(ValueError, match="4 vs 5"):
        mean_class_accuracy(SCORES, [1, 1, 0, 0, 0])


def test_empty_input_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        top_k_accuracy([], [])
    with pytest.raises(ValueError, match="empty"):
        mean_class_accuracy(np.zeros((0, 3)), [])


def test_nan_scores_say_how_many_rows():
    scores = np.array(SCORES)
    scores[1, 2] = scores[3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN in 2 of 4 rows"):
        top_k_accuracy(scores, LABELS)
    with pytest.raises(ValueError, match="NaN in 2 of 4 rows"):
        mean_class_accuracy(scores, LABELS)


def test_malformed_input_is_an_error():
    with pytest.raises(ValueError, match="one length"):
        top_k_accuracy([[0.1, 0.9], [0.5]], [0, 1])
    with pytest.raises(TypeError, match="labels must be integers"):
        top_k_accuracy(SCORES, [1.0, 1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="topk must be a positive int"):
        top_k_accuracy(SCORES, LABELS, topk=(0,))
