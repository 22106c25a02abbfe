import random

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from vidrun.datasets import PIPELINES
from vidrun.datasets.pipelines import Compose, Imgaug
from vidrun.datasets.pipelines.augmenters import AUGMENTERS


def frames(n=3, h=16, w=20, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, h, w, 3), dtype=np.uint8)


def run(transforms, imgs, seed=0):
    np.random.seed(seed)
    return Imgaug(transforms)(dict(imgs=imgs, modality="RGB"))["imgs"]


def test_registered():
    assert PIPELINES.get("Imgaug") is Imgaug


def test_default_is_randaugment_with_directions_drawn_by_python_random_at_construction():
    random.seed(4)
    signs = [random.choice([-1, 1]) for _ in range(5)]
    random.seed(4)
    aug = Imgaug("default")
    (some_of,) = aug.transforms
    assert some_of["type"] == "SomeOf" and some_of["n"] == 2
    children = {c["type"]: c for c in some_of["children"]}
    assert list(children) == ["ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Posterize", "Solarize",
                              "EnhanceColor", "EnhanceContrast", "EnhanceBrightness", "EnhanceSharpness",
                              "Autocontrast", "Equalize", "Invert", "Cutout"]
    assert children["ShearX"]["shear"] == 17.19 * 0.9 * signs[0]
    assert children["ShearY"]["shear"] == 17.19 * 0.9 * signs[1]
    assert children["TranslateX"]["percent"] == 0.2 * 0.9 * signs[2]
    assert children["TranslateY"]["percent"] == 0.2 * 0.9 * signs[3]
    assert children["Rotate"]["rotate"] == 30 * 0.9 * signs[4]
    assert children["Posterize"]["nb_bits"] == 3 and children["Solarize"]["threshold"] == 256 * 0.9
    assert children["EnhanceColor"]["factor"] == 1.8 * 0.9 + 0.1
    assert children["Cutout"] == dict(type="Cutout", nb_iterations=1, size=0.2 * 0.9, squared=True)


@pytest.mark.parametrize("seed", range(8))
def test_default_shares_every_draw_between_the_frames_of_a_sample(seed):
    imgs = np.repeat(frames(1, 24, 24, seed), 3, axis=0)
    random.seed(seed)
    out = run("default", list(imgs), seed)
    assert isinstance(out, list) and len(out) == 3
    assert all(frame.dtype == np.uint8 and frame.shape == (24, 24, 3) for frame in out)
    assert all(np.array_equal(frame, out[0]) for frame in out)


def test_mmaction2_i3d_list_runs_and_shares_its_draws():
    imgs = np.repeat(frames(1, 32, 32), 4, axis=0)
    transforms = [dict(type="Fliplr", p=0.5), dict(type="Rotate", rotate=(-20, 20)), dict(type="Dropout", p=(0, 0.05))]
    outs = [run(transforms, imgs, seed) for seed in range(4)]
    for out in outs:
        assert out.shape == imgs.shape and all(np.array_equal(frame, out[0]) for frame in out)
    assert not all(np.array_equal(outs[0], out) for out in outs[1:])


def test_posterize_solarize_invert():
    img = np.array([0, 100, 183, 229, 230, 255], dtype=np.uint8).reshape(1, 1, 2, 3)
    np.testing.assert_array_equal(run([dict(type="Posterize", nb_bits=3)], img).ravel(),
                                  [0, 96, 160, 224, 224, 224])  # the 3 highest bits kept
    np.testing.assert_array_equal(run([dict(type="Solarize", threshold=230.4)], img).ravel(),
                                  [0, 100, 183, 229, 25, 0])  # values >= int(230.4) inverted
    np.testing.assert_array_equal(run([dict(type="Invert", p=1.0)], img).ravel(), 255 - img.ravel())


def test_rotate_90_degrees_turns_clockwise_about_the_centre():
    imgs = frames(2, 8, 8)
    np.testing.assert_array_equal(run([dict(type="Rotate", rotate=90)], imgs), np.rot90(imgs, k=-1, axes=(1, 2)))


def test_translate_is_a_fraction_of_the_side_and_fills_with_zero():
    imgs = frames(2, 6, 8)
    out = run([dict(type="TranslateX", percent=0.25)], imgs)
    np.testing.assert_array_equal(out[:, :, 2:], imgs[:, :, :-2])
    assert not out[:, :, :2].any()
    out = run([dict(type="TranslateY", percent=-0.5)], imgs)
    np.testing.assert_array_equal(out[:, :3], imgs[:, 3:])


def test_shear_x_keeps_the_middle_row_and_moves_rows_by_tanh_of_the_angle():
    img = np.zeros((1, 9, 21, 3), np.uint8)
    img[0, :, 10] = 200  # a vertical line through the centre column
    out = run([dict(type="ShearX", shear=45)], img)
    shift = np.tanh(np.radians(45))  # 0.76 pixel a row
    for row in (0, 8):
        expected_col = 10 - (row - 4) * shift
        cols = np.nonzero(out[0, row, :, 0])[0]
        assert cols.min() <= expected_col <= cols.max()
    np.testing.assert_array_equal(out[0, 4], img[0, 4])


def test_flips_decide_once_a_sample():
    imgs = frames()
    np.testing.assert_array_equal(run([dict(type="Fliplr", p=1.0)], imgs), imgs[:, :, ::-1])
    np.testing.assert_array_equal(run([dict(type="Flipud")], imgs), imgs[:, ::-1])
    np.testing.assert_array_equal(run([dict(type="Fliplr", p=0.0)], imgs), imgs)


def test_dropout_zeroes_the_same_pixels_in_every_frame():
    imgs = np.full((3, 60, 60, 3), 200, np.uint8)
    out = run([dict(type="Dropout", p=0.5)], imgs)
    dropped = out[..., 0] == 0
    assert all(np.array_equal(d, dropped[0]) for d in dropped)
    assert (out == 0).all(axis=-1).sum() == 3 * dropped[0].sum() and 0.4 < dropped[0].mean() < 0.6


def test_cutout_fills_one_square_with_128_at_the_same_place():
    imgs = np.zeros((2, 20, 40, 3), np.uint8)
    out = run([dict(type="Cutout", size=0.5, squared=True)], imgs, seed=3)
    ys, xs = np.nonzero(out[0, ..., 0] == 128)
    assert len(ys) and ys.max() - ys.min() + 1 <= 10 and xs.max() - xs.min() + 1 <= 10  # 0.5 × height, square
    np.testing.assert_array_equal(out[0], out[1])
    assert set(np.unique(out)) == {0, 128}


@pytest.mark.parametrize("name, enhancer", [("EnhanceColor", ImageEnhance.Color),
                                            ("EnhanceContrast", ImageEnhance.Contrast),
                                            ("EnhanceBrightness", ImageEnhance.Brightness),
                                            ("EnhanceSharpness", ImageEnhance.Sharpness)])
def test_enhance_operations_are_pillows(name, enhancer):
    imgs = frames()
    out = run([dict(type=name, factor=1.72)], imgs)
    for frame, result in zip(imgs, out):
        np.testing.assert_array_equal(result, np.asarray(enhancer(Image.fromarray(frame)).enhance(1.72)))


def test_autocontrast_and_equalize_use_each_frames_histogram():
    imgs = (frames() // 2 + 20).astype(np.uint8)
    for name, operation in (("Autocontrast", lambda im: ImageOps.autocontrast(im, cutoff=0)),
                            ("Equalize", ImageOps.equalize)):
        out = run([dict(type=name, **({"cutoff": 0} if name == "Autocontrast" else {}))], imgs)
        for frame, result in zip(imgs, out):
            np.testing.assert_array_equal(result, np.asarray(operation(Image.fromarray(frame))))


def test_some_of_applies_exactly_n_children():
    imgs = frames()
    invert = dict(type="Invert", p=1.0)
    np.testing.assert_array_equal(run([dict(type="SomeOf", n=2, children=[invert] * 3)], imgs), imgs)
    np.testing.assert_array_equal(run([dict(type="SomeOf", n=1, children=[invert] * 3)], imgs), 255 - imgs)
    np.testing.assert_array_equal(run([dict(type="OneOf", children=[invert, invert])], imgs), 255 - imgs)
    np.testing.assert_array_equal(run([dict(type="Sequential", children=[invert] * 3)], imgs), 255 - imgs)


def test_the_random_stream_is_numpys_global_one():
    imgs = frames(1, 32, 32)
    aug = [dict(type="Rotate", rotate=(-30, 30))]
    np.testing.assert_array_equal(run(aug, imgs, seed=5), run(aug, imgs, seed=5))
    assert not np.array_equal(run(aug, imgs, seed=5), run(aug, imgs, seed=6))


@pytest.mark.parametrize("transforms, words", [
    ([dict(type="BlaBla")], r"transforms\[0\]: 'BlaBla' is not one of the imgaug augmenters vidrun implements"),
    ([dict(rotate=(-30, 30))], r"transforms\[0\] must be a dict with a 'type'"),
    ("test", "must be 'default' or a list"),
    ([dict(type="Rotate", rotat=3)], r"transforms\[0\] \(Rotate\).*rotat"),
    ([dict(type="SomeOf", n=1, children=[dict(type="Cutout", fill_mode="gaussian")])],
     r"transforms\[0\]\.children\[0\] \(Cutout\).*fill_mode='gaussian' is not supported"),
])
def test_bad_configs_name_the_entry(transforms, words):
    with pytest.raises(ValueError, match=words):
        Imgaug(transforms)


def test_only_rgb_uint8_frames():
    with pytest.raises(ValueError, match="only RGB"):
        Imgaug([dict(type="Fliplr")])(dict(imgs=frames(), modality="Flow"))
    with pytest.raises(ValueError, match="uint8"):
        Imgaug([dict(type="Fliplr")])(dict(imgs=frames().astype(np.float32)))


def test_every_operation_of_mmaction2s_configs_is_implemented():
    random.seed(0)
    names = {c["type"] for c in Imgaug("default").transforms[0]["children"]} | {"Fliplr", "Rotate", "Dropout"}
    assert names <= set(AUGMENTERS)
    pipeline = Compose([dict(type="Imgaug", transforms="default")])
    assert pipeline(dict(imgs=list(frames()), modality="RGB"))["img_shape"] == (16, 20)
