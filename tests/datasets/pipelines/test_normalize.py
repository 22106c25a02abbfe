import numpy as np
import pytest

from vidrun.datasets.pipelines.normalize import Normalize
from vidrun.datasets.registries import PIPELINES


def frames():
    imgs = np.zeros((2, 1, 2, 3), dtype=np.uint8)
    imgs[..., :] = [10, 20, 30]
    return imgs


def test_registered():
    assert PIPELINES.get("Normalize") is Normalize


def test_normalises_per_channel_into_a_float32_stack():
    imgs = frames()
    results = Normalize(mean=[1, 2, 3], std=[2, 4, 6])(dict(imgs=list(imgs)))
    out = results["imgs"]
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (2, 1, 2, 3)
    np.testing.assert_allclose(out[0, 0, 0], [4.5, 4.5, 4.5])
    cfg = results["img_norm_cfg"]
    np.testing.assert_array_equal(cfg["mean"], [1, 2, 3])
    np.testing.assert_array_equal(cfg["std"], [2, 4, 6])
    assert cfg["to_bgr"] is False


def test_to_bgr_reverses_the_channels_before_the_mean():
    imgs = frames()
    out = Normalize(mean=[1, 2, 3], std=[2, 4, 6], to_bgr=True)(dict(imgs=imgs))["imgs"]
    np.testing.assert_allclose(out[1, 0, 1], [(30 - 1) / 2, (20 - 2) / 4, (10 - 3) / 6], rtol=1e-6)
    assert out.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(imgs, frames())  # the input is not modified


def test_imagenet_values():
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    imgs = np.full((1, 1, 1, 3), 255, dtype=np.uint8)
    out = Normalize(mean, std)(dict(imgs=imgs))["imgs"]
    np.testing.assert_allclose(out[0, 0, 0], (255 - np.array(mean)) / np.array(std), rtol=1e-6)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(mean=[1, 2], std=[1, 1, 1]), TypeError, "mean"),
    (dict(mean=[1, 2, 3], std=1.0), TypeError, "std"),
    (dict(mean=[1, 2, 3], std=[1, 0, 1]), ValueError, "std"),
    (dict(mean=[1, 2, 3], std=[1, 1, 1], to_bgr="yes"), TypeError, "to_bgr"),
    (dict(mean=[1, 2, 3], std=[1, 1, 1], adjust_magnitude=True), ValueError, "adjust_magnitude"),
])
def test_argument_errors_name_the_class_and_the_argument(kwargs, error, words):
    with pytest.raises(error, match=f"Normalize: {words}"):
        Normalize(**kwargs)


def test_repr():
    assert repr(Normalize([123.675, 2, 3], [4, 5, 6])) == \
        "Normalize(mean=[123.675, 2.0, 3.0], std=[4.0, 5.0, 6.0], to_bgr=False, adjust_magnitude=False)"
