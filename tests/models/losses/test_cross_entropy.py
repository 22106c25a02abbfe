import math

import pytest
import torch

from vidrun.models.losses import BCELossWithLogits, CrossEntropyLoss


def test_cross_entropy_hard_and_soft_labels_and_weights():
    scores = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    labels = torch.tensor([0, 1])
    expected = -(math.log(math.e ** 2 / (math.e ** 2 + 2)) + math.log(math.e / (math.e + 2))) / 2
    assert float(CrossEntropyLoss()(scores, labels)) == pytest.approx(expected)
    assert float(CrossEntropyLoss(loss_weight=0.5)(scores, labels)) == pytest.approx(expected / 2)
    soft = torch.nn.functional.one_hot(labels, 3).float()
    assert float(CrossEntropyLoss()(scores, soft)) == pytest.approx(expected)
    weighted = CrossEntropyLoss(class_weight=[1.0, 3.0, 1.0])(scores, labels)
    assert float(weighted) == pytest.approx(torch.nn.functional.cross_entropy(
        scores, labels, weight=torch.tensor([1.0, 3.0, 1.0])).item())
    with pytest.raises(ValueError, match="class_weight has 2 entries for 3 classes"):
        CrossEntropyLoss(class_weight=[1.0, 2.0])(scores, labels)


def test_bce_for_multi_label():
    scores = torch.tensor([[0.0, 2.0]])
    labels = torch.tensor([[1.0, 0.0]])
    expected = (math.log(2) + math.log(1 + math.e ** 2)) / 2
    assert float(BCELossWithLogits()(scores, labels)) == pytest.approx(expected)
