import numpy as np
import pytest

from vidrun.datasets.pipelines.resize import Resize, rescale_size
from vidrun.datasets.registries import PIPELINES


def frames(n=2, h=4, w=6):
    return np.zeros((n, h, w, 3), dtype=np.uint8)


def test_registered():
    assert PIPELINES.get("Resize") is Resize


@pytest.mark.parametrize("scale", [(-1, 256), (256, -1), [-1, 256]])
def test_short_side_rule_keeps_an_image_whose_short_side_already_fits(scale):
    imgs = frames(1, 256, 340)
    results = Resize(scale=scale)(dict(imgs=imgs))
    assert results["imgs"] is imgs  # no interpolation when the size does not change
    assert results["img_shape"] == (256, 340)
    np.testing.assert_array_equal(results["scale_factor"], [1, 1])
    assert results["keep_ratio"] is True


def test_short_side_rule_rounds_the_long_side():
    results = Resize(scale=(-1, 256))(dict(imgs=frames(2, 240, 320)))
    assert results["imgs"].shape == (2, 256, 341, 3)
    assert results["img_shape"] == (256, 341)
    assert results["scale_factor"].dtype == np.float32
    np.testing.assert_allclose(results["scale_factor"], [341 / 320, 256 / 240], rtol=1e-6)


def test_rescale_size_follows_mmcv():
    assert rescale_size((320, 240), (np.inf, 256)) == (341, 256)
    # a pair without -1 bounds the long side by 340 and the short side by 256: factor min(340/320, 256/240)
    assert rescale_size((320, 240), (340, 256)) == (340, 255)
    assert rescale_size((320, 240), (256, 340)) == (340, 255)
    assert rescale_size((6, 4), 0.5) == (3, 2)


def test_keep_ratio_false_gives_the_exact_size():
    results = Resize(scale=(5, 3), keep_ratio=False)(dict(imgs=frames()))
    assert results["imgs"].shape == (2, 3, 5, 3)
    assert results["img_shape"] == (3, 5)
    assert results["keep_ratio"] is False
    np.testing.assert_allclose(results["scale_factor"], [5 / 6, 3 / 4])


def test_a_float_scale_is_a_factor_and_scale_factors_multiply():
    results = Resize(scale=0.5)(dict(imgs=frames(1, 4, 6)))
    assert results["img_shape"] == (2, 3)
    results = Resize(scale=(12, 8), keep_ratio=False)(results)
    assert results["imgs"].shape == (1, 8, 12, 3)
    np.testing.assert_allclose(results["scale_factor"], [2.0, 2.0])


def test_img_shape_is_read_from_results_when_present():
    results = Resize(scale=(-1, 4))(dict(imgs=frames(1, 2, 3), img_shape=(2, 3)))
    assert results["img_shape"] == (4, 6)
    assert results["imgs"].shape == (1, 4, 6, 3)


def test_list_in_list_out_and_array_in_array_out():
    out = Resize(scale=(3, 2), keep_ratio=False)(dict(imgs=list(frames(3))))["imgs"]
    assert isinstance(out, list) and len(out) == 3
    assert all(img.shape == (2, 3, 3) and img.dtype == np.uint8 for img in out)
    out = Resize(scale=(3, 2), keep_ratio=False)(dict(imgs=frames(3)))["imgs"]
    assert isinstance(out, np.ndarray) and out.shape == (3, 2, 3, 3) and out.dtype == np.uint8


def test_nearest_upscale_repeats_pixels():
    img = np.array([[1, 2], [3, 4]], dtype=np.uint8)[None, :, :, None].repeat(3, axis=3)
    out = Resize(scale=(4, 4), keep_ratio=False, interpolation="nearest")(dict(imgs=img))["imgs"]
    np.testing.assert_array_equal(out[0, :, :, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])


def test_bilinear_upscale_uses_pixel_centres():
    img = np.array([[0, 100]], dtype=np.uint8)[None, :, :, None]
    out = Resize(scale=(4, 1), keep_ratio=False)(dict(imgs=img))["imgs"]
    np.testing.assert_array_equal(out[0, 0, :, 0], [0, 25, 75, 100])


def test_area_downscale_averages_blocks_and_rounds():
    img = np.arange(16, dtype=np.uint8).reshape(1, 4, 4, 1)
    out = Resize(scale=0.5, interpolation="area")(dict(imgs=img))["imgs"]
    # block means 2.5, 4.5, 10.5, 12.5 round half to even
    np.testing.assert_array_equal(out[0, :, :, 0], [[2, 4], [10, 12]])


def test_bilinear_downscale_is_antialiased():
    stripes = np.tile(np.array([0, 255], dtype=np.uint8), 5)[:9]  # 0, 255, 0, ... 9 columns
    img = np.broadcast_to(stripes[None, None, :, None], (1, 3, 9, 3)).copy()
    out = Resize(scale=(3, 3), keep_ratio=False)(dict(imgs=img))["imgs"]
    # plain bilinear would sample columns 1, 4, 7 exactly: 255, 0, 255
    assert out.min() > 50 and out.max() < 205


def test_bicubic_output_is_clamped_to_uint8():
    img = np.zeros((1, 4, 4, 3), dtype=np.uint8)
    img[:, :, 2:] = 255
    out = Resize(scale=(8, 8), keep_ratio=False, interpolation="bicubic")(dict(imgs=img))["imgs"]
    assert out.dtype == np.uint8 and out.min() == 0 and out.max() == 255


def test_built_from_a_config_with_lists():
    transform = PIPELINES.build(dict(type="Resize", scale=[-1, 256]))
    assert isinstance(transform, Resize)
    assert repr(transform) == "Resize(scale=[-1, 256], keep_ratio=True, interpolation='bilinear', lazy=False)"


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(scale=256), TypeError, "scale"),
    (dict(scale=(1, 2, 3)), TypeError, "scale"),
    (dict(scale=-0.5), ValueError, "scale"),
    (dict(scale=(0, 10)), ValueError, "scale"),
    (dict(scale=(-1, 256), keep_ratio=False), ValueError, "keep_ratio=True"),
    (dict(scale=(5.5, 3), keep_ratio=False), ValueError, "scale"),
    (dict(scale=(5, 3), keep_ratio="yes"), TypeError, "keep_ratio"),
    (dict(scale=(5, 3), interpolation="lanczos"), ValueError, "interpolation"),
    (dict(scale=(5, 3), lazy=True), ValueError, "lazy"),
])
def test_argument_errors_name_the_class_and_the_argument(kwargs, error, words):
    with pytest.raises(error, match=f"Resize: .*{words}"):
        Resize(**kwargs)
