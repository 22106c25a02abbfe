import cv2
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
    out = Flip(flip_ratio=1.0)(dict(imgs=list(imgs)))["imgs"]  # a list: copied into a new stack
    np.testing.assert_array_equal(out, imgs[:, :, ::-1])
    assert out.flags["C_CONTIGUOUS"]
    torch.from_numpy(out)  # no negative strides left for ToTensor
    np.testing.assert_array_equal(imgs, frames())  # the input frames are not modified
    results = Flip(flip_ratio=1.0, direction="vertical")(dict(imgs=imgs[:, 1:]))  # a view: copied too
    np.testing.assert_array_equal(results["imgs"], imgs[:, :0:-1])
    np.testing.assert_array_equal(imgs, frames())
    assert results["flip_direction"] == "vertical"


def test_a_stack_that_owns_its_memory_is_mirrored_in_place_as_mmaction2_does():
    imgs = frames().copy()  # what Resize writes: a fresh C-contiguous stack that owns its memory
    expected = np.stack([cv2.flip(frame, 1) for frame in imgs])  # mmcv.imflip_: cv2.flip per frame
    out = Flip(flip_ratio=1.0)(dict(imgs=imgs))["imgs"]
    assert out is imgs
    np.testing.assert_array_equal(out, expected)


def test_flow_frames_flip_and_invert_x():
    """MMAction2: with modality 'Flow' the frames alternate x, y; mirrored x flow is inverted (255 - x)."""
    flow = np.arange(4 * 2 * 3, dtype=np.uint8).reshape(4, 2, 3) * 5
    results = Flip(flip_ratio=1.0)(dict(imgs=list(flow), modality="Flow"))
    out = results["imgs"]
    np.testing.assert_array_equal(out[0::2], 255 - flow[0::2, :, ::-1])
    np.testing.assert_array_equal(out[1::2], flow[1::2, :, ::-1])
    with pytest.raises(ValueError, match="Flip: flow frames can only be flipped horizontally"):
        Flip(flip_ratio=1.0, direction="vertical")(dict(imgs=list(flow), modality="Flow"))


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
    (dict(lazy="yes"), TypeError, "lazy"),
])
def test_argument_errors_name_the_class_and_the_argument(kwargs, error, words):
    with pytest.raises(error, match=f"Flip: {words}"):
        Flip(**kwargs)


def test_repr():
    assert repr(Flip()) == "Flip(flip_ratio=0.5, direction='horizontal', flip_label_map=None, lazy=False)"
