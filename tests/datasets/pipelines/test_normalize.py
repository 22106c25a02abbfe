import cv2
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


MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def mmcv_normalize(frames, mean, std, to_bgr):
    """MMAction2's RGB Normalize restated: each frame copied into float32, then mmcv's imnormalize_: BGR→RGB
    swap when to_bgr, cv2.subtract of the float64 (1, 3) mean, cv2.multiply by the float64 1/std."""
    out = np.empty((len(frames), *frames[0].shape), dtype=np.float32)
    for i, frame in enumerate(frames):
        out[i] = frame
    mean64 = np.float64(np.array(mean, dtype=np.float32).reshape(1, -1))
    stdinv = 1 / np.float64(np.array(std, dtype=np.float32).reshape(1, -1))
    for img in out:
        if to_bgr:
            cv2.cvtColor(img, cv2.COLOR_BGR2RGB, img)
        cv2.subtract(img, mean64, img)
        cv2.multiply(img, stdinv, img)
    return out


@pytest.mark.parametrize("to_bgr", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_bit_equal_to_mmcv_imnormalize(to_bgr, dtype):
    rng = np.random.default_rng(5)
    imgs = rng.integers(0, 256, (4, 16, 20, 3)).astype(dtype)
    if dtype != np.uint8:
        imgs += rng.random(imgs.shape).astype(dtype)
    for kind in (imgs, list(imgs), imgs[:, 2:14, 3:17]):  # a stack, a list, a crop view
        out = Normalize(MEAN, STD, to_bgr=to_bgr)(dict(imgs=kind, modality="RGB"))["imgs"]
        assert out.dtype == np.float32 and out.flags.c_contiguous
        np.testing.assert_array_equal(out, mmcv_normalize(kind, MEAN, STD, to_bgr))  # bit for bit


def test_flow_normalisation_as_mmaction2():
    """Flow: 2N H×W frames alternating x, y; float32 (x - mean_x) / std_x and (y - mean_y) / std_y, [N, H, W, 2];
    adjust_magnitude multiplies by scale_factor (w for x, h for y)."""
    rng = np.random.default_rng(6)
    flow = list(rng.integers(0, 256, (6, 5, 7), dtype=np.uint8))
    mean, std = [128, 128], [128, 128]
    results = Normalize(mean, std)(dict(imgs=flow, modality="Flow"))
    x = (np.array(flow[0::2], dtype=np.float32) - np.float32(128)) / np.float32(128)
    y = (np.array(flow[1::2], dtype=np.float32) - np.float32(128)) / np.float32(128)
    np.testing.assert_array_equal(results["imgs"], np.stack([x, y], axis=-1))
    assert results["imgs"].shape == (3, 5, 7, 2) and results["imgs"].dtype == np.float32
    assert results["img_norm_cfg"]["adjust_magnitude"] is False
    scale = np.array([0.5, 2.0], dtype=np.float32)
    out = Normalize(mean, std, adjust_magnitude=True)(dict(imgs=flow, modality="Flow", scale_factor=scale))["imgs"]
    np.testing.assert_array_equal(out, np.stack([x * scale[0], y * scale[1]], axis=-1))
    with pytest.raises(ValueError, match="Normalize: flow needs 2 means"):
        Normalize(MEAN, STD)(dict(imgs=flow, modality="Flow"))


def test_frames_that_do_not_match_the_means_are_an_error():
    with pytest.raises(ValueError, match="Normalize: frames must be H×W×3"):
        Normalize(MEAN, STD)(dict(imgs=np.zeros((1, 4, 4, 2), np.uint8)))
    with pytest.raises(ValueError, match="Normalize: modality"):
        Normalize(MEAN, STD)(dict(imgs=np.zeros((1, 4, 4, 3), np.uint8), modality="Audio"))


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(mean=[1, 2, 3, 4, 5], std=[1, 1, 1]), TypeError, "mean"),
    (dict(mean=[1, 2], std=[1, 1, 1]), ValueError, "mean and std"),
    (dict(mean=[1, 2], std=[1, 1], to_bgr=True), ValueError, "to_bgr"),
    (dict(mean=[1, 2, 3], std=1.0), TypeError, "std"),
    (dict(mean=[1, 2, 3], std=[1, 0, 1]), ValueError, "std"),
    (dict(mean=[1, 2, 3], std=[1, 1, 1], to_bgr="yes"), TypeError, "to_bgr"),
    (dict(mean=[1, 2, 3], std=[1, 1, 1], adjust_magnitude=1), TypeError, "adjust_magnitude"),
])
def test_argument_errors_name_the_class_and_the_argument(kwargs, error, words):
    with pytest.raises(error, match=f"Normalize: {words}"):
        Normalize(**kwargs)


def test_repr():
    assert repr(Normalize([123.675, 2, 3], [4, 5, 6])) == \
        "Normalize(mean=[123.675, 2.0, 3.0], std=[4.0, 5.0, 6.0], to_bgr=False, adjust_magnitude=False)"
