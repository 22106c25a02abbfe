
import cv2
import numpy as np
import pytest

from vidrun.datasets.pipelines.color import ColorJitter
from vidrun.datasets.registries import PIPELINES


def frames(n=3, h=4, w=6, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, h, w, 3), dtype=np.uint8)


def pixels(*rgb):
    """A 1-frame, 1-row image of the given RGB pixels."""
    return np.array(rgb, dtype=np.uint8)[None, None]


def jitter(imgs, seed=0, **kwargs):
    np.random.seed(seed)
    return ColorJitter(**kwargs)(dict(imgs=imgs))["imgs"]


def reference_jitter(imgs, brightness, contrast, saturation, hue):
    """MMAction2 0.24's ColorJitter restated frame by frame, with NumPy 1's casting made explicit (MMAction2
    ran on NumPy 1: a Python float times a float32 scalar was a float64; a uint8 hue plus a negative Python int
    was an int16)."""
    def grey(img):
        return 0.2989 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]

    order = np.random.permutation(4)
    b, c, s, h = (np.random.uniform(low=lo, high=hi) for lo, hi in (brightness, contrast, saturation, hue))
    out = []
    for img in imgs:
        img = img.astype(np.float32)
        for fn in order:
            if fn == 0 and b != 1:
                img *= b
            if fn == 1 and c != 1:
                img = c * img + np.float32((1 - c) * np.float64(np.mean(grey(img))))
            if fn == 2 and s != 1:
                img = s * img + (1 - s) * np.stack([grey(img)] * 3, axis=-1)
            if fn == 3 and h != 0:
                hsv = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV)
                step = int(h * 255)
                turned = hsv[..., 0].astype(np.int64) + step
                hsv[..., 0] = (turned % 256 if step >= 0 else turned) % 180
                img = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return out


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


def test_ranges_and_repr_as_mmaction2():
    jit = ColorJitter()
    assert (jit.brightness, jit.contrast, jit.saturation, jit.hue) == ((0.5, 1.5), (0.5, 1.5), (0.5, 1.5),
                                                                       (-0.1, 0.1))
    assert repr(jit) == ("ColorJitter(brightness=(0.5, 1.5), contrast=(0.5, 1.5), saturation=(0.5, 1.5), "
                         "hue=(-0.1, 0.1))")
    assert ColorJitter(brightness=[0.2, 0.4]).brightness == (0.2, 0.4)


def test_order_is_drawn_once_when_built_and_each_call_draws_four_uniforms():
    np.random.seed(5)
    order = np.random.permutation(4)
    np.random.uniform(size=4)
    following = np.random.uniform()
    np.random.seed(5)
    jit = ColorJitter(brightness=0.5, contrast=0, saturation=0, hue=0)
    np.testing.assert_array_equal(jit.fn_idx, order)
    jit(dict(imgs=frames(1)))
    assert np.random.uniform() == following  # four draws a call, even for zero ranges
    jit(dict(imgs=frames(1)))
    np.testing.assert_array_equal(jit.fn_idx, order)  # calls do not redraw the order


def test_hue_example_from_mmaction2():
    """Hue 0.1 on pure red: int(0.1 * 255) = 25 steps of 2 degrees, (255, 213, 0)."""
    out = jitter(pixels([255, 0, 0]), brightness=0, contrast=0, saturation=0, hue=(0.1, 0.1))
    np.testing.assert_array_equal(out[0, 0, 0], [255, 213, 0])


def test_hue_wraps_as_uint8_for_positive_shifts_and_modulo_for_negative():
    # (255, 0, 85) has hue 170 (340 degrees); 100 steps wrap at 256 to 14, not to 90 (cyan).
    out = jitter(pixels([255, 0, 85]), brightness=0, contrast=0, saturation=0, hue=(100.5 / 255, 100.5 / 255))
    np.testing.assert_array_equal(out[0, 0, 0], [255, 119, 0])
    out = jitter(pixels([255, 0, 0]), brightness=0, contrast=0, saturation=0, hue=(-0.1, -0.1))
    np.testing.assert_array_equal(out[0, 0, 0], [255, 0, 212])  # hue -25 -> 155 (310 degrees)


def test_result_is_truncated_not_rounded_and_clipped_only_at_the_end():
    out = jitter(pixels([100, 200, 50]), brightness=(1.007, 1.007), contrast=0, saturation=0, hue=0)
    np.testing.assert_array_equal(out[0, 0, 0], [100, 201, 50])  # 100.7, 201.4, 50.35
    # brightness 2 then saturation 0.5: 400 would be clipped to 255 first by a per-operation clip.
    img = pixels([200, 0, 0])
    np.random.seed(0)
    jit = ColorJitter(brightness=(2.0, 2.0), contrast=0, saturation=(0.5, 0.5), hue=0)
    jit.fn_idx = np.array([0, 2, 1, 3])
    out = jit(dict(imgs=img))["imgs"]
    grey = np.float32(0.2989) * np.float32(400)
    np.testing.assert_array_equal(out[0, 0, 0], np.clip(np.float32([200, 0, 0]) + np.float32(0.5) * grey, 0,
                                                         255).astype(np.uint8))


def test_zero_saturation_gives_the_grey_level():
    out = jitter(pixels([255, 0, 0], [0, 0, 255]), brightness=0, contrast=0, saturation=(0.0, 0.0), hue=0)
    np.testing.assert_array_equal(out[0, 0], [[76, 76, 76], [29, 29, 29]])  # 0.2989 * 255, 0.114 * 255


@pytest.mark.parametrize("seed", range(6))
def test_pixel_equal_to_a_frame_by_frame_restatement(seed):
    imgs = frames(4, 9, 11, seed=seed)
    kwargs = dict(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.5 if seed % 2 else 0.1)
    np.random.seed(seed)
    expected = reference_jitter(list(imgs), (0.5, 1.5), (0.5, 1.5), (0.5, 1.5), (-kwargs["hue"], kwargs["hue"]))
    out = jitter(list(imgs), seed=seed, **kwargs)
    assert isinstance(out, list)
    np.testing.assert_array_equal(np.stack(out), np.stack(expected))


def test_one_draw_a_sample_and_the_seed_decides():
    imgs = np.repeat(frames(1), 4, axis=0)
    out = jitter(imgs, seed=7)
    assert all(np.array_equal(frame, out[0]) for frame in out)  # identical frames stay identical
    np.testing.assert_array_equal(jitter(imgs, seed=7), out)
    assert not np.array_equal(jitter(imgs, seed=8), out)


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
