import colorsys

import numpy as np
import pytest

from vidrun.datasets.pipelines.color import ColorJitter, hsv_to_rgb, rgb_to_hsv
from vidrun.datasets.registries import PIPELINES


def frames(n=3, h=4, w=6, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, h, w, 3), dtype=np.uint8)


def pixels(*rgb):
    """A 1-frame, 1-row image of the given RGB pixels."""
    return np.array(rgb, dtype=np.uint8)[None, None]


def test_registered():
    assert PIPELINES.get("ColorJitter") is ColorJitter


def test_zero_ranges_are_a_no_op_for_both_kinds():
    imgs = frames()
    out = ColorJitter(0, 0, 0, 0)(dict(imgs=imgs))["imgs"]
    assert isinstance(out, np.ndarray) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, imgs)
    out = ColorJitter(0, 0, 0, 0)(dict(imgs=list(imgs)))["imgs"]
    assert isinstance(out, list) and len(out) == 3
    np.testing.assert_array_equal(np.stack(out), imgs)


def test_brightness_multiplies_by_the_drawn_factor():
    imgs = frames()
    np.random.seed(3)
    factor = np.random.uniform(0.5, 1.5)  # the brightness factor is the first draw
    np.random.seed(3)
    out = ColorJitter(brightness=0.5, contrast=0, saturation=0, hue=0)(dict(imgs=imgs))["imgs"]
    expected = np.clip(np.rint(imgs.astype(np.float32) * np.float32(factor)), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(out, expected)


def test_contrast_blends_each_frame_with_its_mean_grey():
    img = pixels([40, 40, 40], [60, 60, 60])  # grey mean 50
    np.random.seed(0)
    np.random.uniform(1, 1)
    factor = np.random.uniform(0.5, 1.5)  # second draw
    np.random.seed(0)
    out = ColorJitter(brightness=0, contrast=0.5, saturation=0, hue=0)(dict(imgs=img))["imgs"]
    expected = np.rint(factor * np.array([40, 60]) + (1 - factor) * 50)
    np.testing.assert_array_equal(out[0, 0, :, 0], expected)


def test_zero_saturation_gives_the_luma():
    out = ColorJitter(0, 0, saturation=(0.0, 0.0), hue=0)(dict(imgs=pixels([255, 0, 0], [0, 0, 255])))["imgs"]
    # 0.299 * 255 = 76.2, 0.114 * 255 = 29.1
    np.testing.assert_array_equal(out[0, 0], [[76, 76, 76], [29, 29, 29]])


def test_half_turn_of_hue_gives_the_complementary_colour():
    out = ColorJitter(0, 0, 0, hue=(0.5, 0.5))(dict(imgs=pixels([255, 0, 0], [0, 255, 0], [80, 80, 80])))["imgs"]
    np.testing.assert_array_equal(out[0, 0], [[0, 255, 255], [255, 0, 255], [80, 80, 80]])


def test_hsv_conversion_matches_colorsys_and_round_trips():
    assert np.allclose(rgb_to_hsv(np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0.5], [0, 0, 0]])),
                       [[0, 1, 1], [1 / 3, 1, 1], [2 / 3, 1, 1], [0, 0, 0.5], [0, 0, 0]])
    rgb = np.random.default_rng(0).random((500, 3)).astype(np.float32)
    hsv = rgb_to_hsv(rgb)
    assert hsv.dtype == np.float32
    np.testing.assert_allclose(hsv, [colorsys.rgb_to_hsv(*p) for p in rgb.astype(np.float64)], atol=1e-6)
    np.testing.assert_allclose(hsv_to_rgb(hsv), rgb, atol=1e-6)


def test_one_draw_a_sample_and_the_seed_decides():
    img = frames(1)
    imgs = np.repeat(img, 4, axis=0)

    def jitter(seed):
        np.random.seed(seed)
        return ColorJitter()(dict(imgs=imgs))["imgs"]
    out = jitter(7)
    assert all(np.array_equal(frame, out[0]) for frame in out)  # identical frames stay identical
    np.testing.assert_array_equal(jitter(7), out)
    assert not np.array_equal(jitter(8), out)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(brightness=-0.1), ValueError, "brightness"),
    (dict(contrast=(1.5, 0.5)), ValueError, "contrast"),
    (dict(saturation="high"), TypeError, "saturation"),
    (dict(hue=0.6), ValueError, "hue"),
    (dict(hue=(-0.6, 0.1)), ValueError, "hue"),
])
def test_argument_errors_name_the_class_and_the_argument(kwargs, error, words):
    with pytest.raises(error, match=f"ColorJitter: {words}"):
        ColorJitter(**kwargs)


def test_repr():
    assert repr(ColorJitter()) == "ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.1)"
