import numpy as np
import pytest
import torch

from vidrun.datasets.pipelines.flip import Flip
from vidrun.datasets.registries import PIPELINES


def frames(n=3, h=4, w=6):
    return np.arange(n * h * w * 3, dtype=np.uint8).reshape(n, h, w, 3)


def test_registered():
    assert PIPELINES.get("Flip") is Flip


def test_one_decision_a_sample_from_the_global_seed():
    imgs = frames()
    outcomes = set()
    for seed in range(20):
        np.random.seed(seed)
        expected = np.random.rand() < 0.5
        np.random.seed(seed)
        results = Flip()(dict(imgs=imgs))
        assert results["flip"] is bool(expected) and results["flip_direction"] == "horizontal"
        np.testing.assert_array_equal(results["imgs"], imgs[:, :, ::-1] if expected else imgs)
        outcomes.add(results["flip"])
    assert outcomes == {True, False}


def test_horizontal_and_vertical_mirror_every_frame():
    imgs = frames()
    out = Flip(flip_ratio=1.0)(dict(imgs=imgs))["imgs"]
    np.testing.assert_array_equal(out, imgs[:, :, ::-1])
    assert out.flags["C_CONTIGUOUS"]
    torch.from_numpy(out)  # no negative strides left for ToTensor
    results = Flip(flip_ratio=1.0, direction="vertical")(dict(imgs=list(imgs)))
    assert isinstance(results["imgs"], list)
    np.testing.assert_array_equal(np.stack(results["imgs"]), imgs[:, ::-1])
    assert results["flip_direction"] == "vertical" and results["img_shape"] == (4, 6)


def test_no_flip_leaves_frames_and_label_alone():
    imgs = list(frames())
    results = Flip(flip_ratio=0.0, flip_label_map={1: 2, 2: 1})(dict(imgs=imgs, label=1))
    assert results["imgs"] is imgs and results["flip"] is False and results["label"] == 1


def test_flip_label_map_swaps_direction_labels():
    transform = Flip(flip_ratio=1.0, flip_label_map={86: 87, 87: 86})
    assert transform(dict(imgs=frames(), label=86))["label"] == 87
    assert transform(dict(imgs=frames(), label=np.int64(87)))["label"] == 86
    assert transform(dict(imgs=frames(), label=5))["label"] == 5
    assert transform(dict(imgs=frames(), label=[86, 5]))["label"] == [86, 5]


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(flip_ratio=1.5), ValueError, "flip_ratio"),
    (dict(direction="diagonal"), ValueError, "direction"),
    (dict(flip_label_map={"86": "87"}), TypeError, "flip_label_map"),
    (dict(left_kp=[1, 3]), ValueError, "left_kp"),
    (dict(right_kp=[2, 4]), ValueError, "right_kp"),
    (dict(lazy=True), ValueError, "lazy"),
])
def test_argument_errors_name_the_class_and_the_argument(kwargs, error, words):
    with pytest.raises(error, match=f"Flip: {words}"):
        Flip(**kwargs)


def test_repr():
    assert repr(Flip()) == "Flip(flip_ratio=0.5, direction='horizontal', flip_label_map=None, lazy=False)"
