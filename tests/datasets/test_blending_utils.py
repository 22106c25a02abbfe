import pytest
import torch

from vidrun.datasets import BLENDINGS, CutmixBlending, MixupBlending
from vidrun.datasets.blending_utils import BaseMiniBatchBlending


def batch(b=4, shape=(2, 3, 6, 8)):
    imgs = torch.arange(b * torch.Size(shape).numel(), dtype=torch.float32).reshape(b, *shape)
    return imgs, torch.tensor([[0], [2], [1], [2]])[:b]


def test_registered_where_mmaction2_users_import_them():
    assert BLENDINGS.get("MixupBlending") is MixupBlending
    assert BLENDINGS.get("CutmixBlending") is CutmixBlending
    assert issubclass(MixupBlending, BaseMiniBatchBlending)


def test_mixup_draws_lam_then_the_permutation_and_blends_inputs_and_labels_alike():
    imgs, label = batch()
    torch.manual_seed(3)
    lam = torch.distributions.Beta(0.4, 0.4).sample()
    perm = torch.randperm(4)
    torch.manual_seed(3)
    mixed, soft = MixupBlending(num_classes=3, alpha=0.4)(imgs, label)
    assert soft.shape == (4, 1, 3) and soft.dtype == torch.float32
    one_hot = torch.nn.functional.one_hot(label, 3)
    torch.testing.assert_close(soft, lam * one_hot + (1 - lam) * one_hot[perm], rtol=0, atol=0)
    torch.testing.assert_close(mixed, lam * imgs + (1 - lam) * imgs[perm], rtol=0, atol=0)
    torch.testing.assert_close(soft.sum(-1), torch.ones(4, 1))


def test_cutmix_pastes_one_box_from_the_permuted_batch_and_weights_labels_by_its_area():
    imgs, label = batch()
    original = imgs.clone()
    torch.manual_seed(1)
    perm = torch.randperm(4)
    lam = torch.distributions.Beta(1.0, 1.0).sample()
    cx, cy = int(torch.randint(8, (1,))[0]), int(torch.randint(6, (1,))[0])
    cut_w, cut_h = int(8 * torch.sqrt(1 - lam)), int(6 * torch.sqrt(1 - lam))
    x1, x2 = max(cx - cut_w // 2, 0), min(cx + cut_w // 2, 8)
    y1, y2 = max(cy - cut_h // 2, 0), min(cy + cut_h // 2, 6)
    torch.manual_seed(1)
    mixed, soft = CutmixBlending(num_classes=3, alpha=1.0)(imgs, label)
    torch.testing.assert_close(imgs, original)  # the input batch is left as it was
    expected = original.clone()
    expected[..., y1:y2, x1:x2] = original[perm][..., y1:y2, x1:x2]
    torch.testing.assert_close(mixed, expected, rtol=0, atol=0)
    kept = 1 - (x2 - x1) * (y2 - y1) / 48
    one_hot = torch.nn.functional.one_hot(label, 3).float()
    torch.testing.assert_close(soft, kept * one_hot + (1 - kept) * one_hot[perm])


def test_the_same_seed_blends_the_same_way():
    imgs, label = batch()
    torch.manual_seed(0)
    first = CutmixBlending(3, alpha=0.2)(imgs, label)
    torch.manual_seed(0)
    second = CutmixBlending(3, alpha=0.2)(imgs, label)
    assert all(torch.equal(a, b) for a, b in zip(first, second))


@pytest.mark.parametrize("cls", [MixupBlending, CutmixBlending])
def test_bad_arguments_and_labels_name_the_culprit(cls):
    with pytest.raises(ValueError, match=f"{cls.__name__}: num_classes"):
        cls(num_classes=0)
    with pytest.raises(ValueError, match=f"{cls.__name__}: alpha"):
        cls(num_classes=3, alpha=0)
    imgs, label = batch()
    with pytest.raises(ValueError, match=r"hard labels in \[0, 2\).*num_classes"):
        cls(num_classes=2)(imgs, label)
