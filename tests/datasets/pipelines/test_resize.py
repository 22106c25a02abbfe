import cv2
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


def test_writes_one_new_stack_whatever_the_input_kind():
    for imgs in (list(frames(3)), frames(3)):
        out = Resize(scale=(3, 2), keep_ratio=False)(dict(imgs=imgs))["imgs"]
        assert isinstance(out, np.ndarray) and out.shape == (3, 2, 3, 3) and out.dtype == np.uint8
        assert out.flags.c_contiguous and out.base is None


def mmcv_resize(frame, size, interpolation):
    """mmcv 1.7's `imresize` with the cv2 backend, restated: one cv2.resize with its interpolation flag."""
    flags = dict(nearest=cv2.INTER_NEAREST, bilinear=cv2.INTER_LINEAR, bicubic=cv2.INTER_CUBIC,
                 area=cv2.INTER_AREA, lanczos=cv2.INTER_LANCZOS4)
    return cv2.resize(frame, size, interpolation=flags[interpolation])


def mmcv_short_side(w, h, short):
    """mmcv's `rescale_size((w, h), (inf, short))` restated: factor short / min(w, h), sides int(x·f + 0.5)."""
    factor = min(np.inf / max(w, h), short / min(w, h))
    return int(w * factor + 0.5), int(h * factor + 0.5)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic", "area", "lanczos"])
@pytest.mark.parametrize("size", [(224, 224), (341, 256), (97, 61)])
def test_pixels_equal_mmcv_imresize(interpolation, size):
    rng = np.random.default_rng(3)
    imgs = rng.integers(0, 256, (3, 256, 340, 3), dtype=np.uint8)
    crop = imgs[:, 10:230, 20:300]  # a crop view, as after MultiScaleCrop
    for frames_in in (imgs, list(crop), crop):
        out = Resize(scale=size, keep_ratio=False, interpolation=interpolation)(dict(imgs=frames_in))["imgs"]
        expected = np.stack([mmcv_resize(frame, size, interpolation) for frame in frames_in])
        np.testing.assert_array_equal(out, expected)


def test_float_and_single_channel_frames_keep_dtype_and_channel():
    rng = np.random.default_rng(4)
    imgs = rng.random((2, 9, 13, 3)).astype(np.float32)
    out = Resize(scale=(5, 4), keep_ratio=False)(dict(imgs=imgs))["imgs"]
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.stack([mmcv_resize(f, (5, 4), "bilinear") for f in imgs]))
    grey = rng.integers(0, 256, (2, 9, 13, 1), dtype=np.uint8)
    out = Resize(scale=(5, 4), keep_ratio=False)(dict(imgs=grey))["imgs"]
    assert out.shape == (2, 4, 5, 1)
    np.testing.assert_array_equal(out[..., 0], np.stack([mmcv_resize(f[..., 0], (5, 4), "bilinear") for f in grey]))
    flow = rng.integers(0, 256, (2, 9, 13), dtype=np.uint8)  # H×W flow frames
    assert Resize(scale=(-1, 4))(dict(imgs=list(flow)))["imgs"].shape == (2, 4, 6)
    with pytest.raises(TypeError, match="dtype int64"):
        Resize(scale=(5, 4), keep_ratio=False)(dict(imgs=imgs.astype(np.int64)))


@pytest.mark.parametrize("w, h, short", [(340, 256, 256), (320, 240, 256), (171, 128, 112), (455, 256, 128),
                                         (1280, 720, 256), (427, 240, 256), (3, 2, 5), (341, 255, 256)])
def test_short_side_sizes_round_as_mmcv(w, h, short):
    results = Resize(scale=(-1, short))(dict(imgs=np.zeros((1, h, w, 3), np.uint8)))
    new_w, new_h = mmcv_short_side(w, h, short)
    assert results["img_shape"] == (new_h, new_w)
    assert results["imgs"].shape == (1, new_h, new_w, 3)


def test_rescale_size_rounds_half_up():
    # 0.5 exactly: int(x + 0.5) rounds up where Python's round() would go to even
    assert rescale_size((5, 3), 0.5) == (3, 2)
    assert rescale_size((7, 2), 0.5) == (4, 1)
    assert rescale_size((100, 50), (np.inf, 25)) == (50, 25)


def test_nearest_upscale_repeats_pixels():
    img = np.array([[1, 2], [3, 4]], dtype=np.uint8)[None, :, :, None].repeat(3, axis=3)
    out = Resize(scale=(4, 4), keep_ratio=False, interpolation="nearest")(dict(imgs=img))["imgs"]
    np.testing.assert_array_equal(out[0, :, :, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])


def test_bilinear_upscale_uses_pixel_centres():
    img = np.array([[0, 100]], dtype=np.uint8)[None, :, :, None]
    out = Resize(scale=(4, 1), keep_ratio=False)(dict(imgs=img))["imgs"]
    np.testing.assert_array_equal(out[0, 0, :, 0], [0, 25, 75, 100])


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
    (dict(scale=(5, 3), interpolation="box"), ValueError, "interpolation"),
    (dict(scale=(5, 3), lazy=1), TypeError, "lazy"),
])
def test_argument_errors_name_the_class_and_the_argument(kwargs, error, words):
    with pytest.raises(error, match=f"Resize: .*{words}"):
        Resize(**kwargs)


def test_image_ops_helpers_other_transforms_import():
    from vidrun.datasets.pipelines.image_ops import imresize, rescale_size as ops_rescale_size

    assert ops_rescale_size is rescale_size
    img = np.random.default_rng(7).integers(0, 256, (30, 41, 3), dtype=np.uint8)
    np.testing.assert_array_equal(imresize(img, (20, 15), "area"), mmcv_resize(img, (20, 15), "area"))
    out = np.empty((15, 20, 3), np.uint8)
    assert imresize(img, (20, 15), "bicubic", out=out) is out
    np.testing.assert_array_equal(out, mmcv_resize(img, (20, 15), "bicubic"))
    assert imresize(img[..., :1], (20, 15)).shape == (15, 20, 1)
    with pytest.raises(ValueError, match="imresize: interpolation"):
        imresize(img, (20, 15), "box")
