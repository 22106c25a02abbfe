"""Lazy mode and Fuse: MMAction2 0.24's lazy I3D pipeline gives the pixels of its restatement here."""
import random

import cv2
import numpy as np
import pytest

from vidrun.datasets.pipelines import Compose, Fuse
from vidrun.datasets.registries import PIPELINES

LAZY_I3D_TRAIN = [  # configs/recognition/i3d/i3d_r50_lazy_32x2x1_100e_kinetics400_rgb.py, after decoding
    dict(type="Resize", scale=(-1, 256), lazy=True),
    dict(type="MultiScaleCrop", input_size=224, scales=(1, 0.8), random_crop=False, max_wh_scale_gap=0, lazy=True),
    dict(type="Resize", scale=(224, 224), keep_ratio=False, lazy=True),
    dict(type="Flip", flip_ratio=0.5, lazy=True),
    dict(type="Fuse"),
]
LAZY_I3D_VAL = [
    dict(type="Resize", scale=(-1, 256), lazy=True),
    dict(type="CenterCrop", crop_size=224, lazy=True),
    dict(type="Flip", flip_ratio=0, lazy=True),
    dict(type="Fuse"),
]


def clip(h=240, w=320, n=4):
    return np.random.default_rng(1).integers(0, 256, (n, h, w, 3), dtype=np.uint8)


def lazy_reference(imgs, box_in_resized, resized_hw, out_size, flip):
    """MMAction2's lazy path restated: the crop box of the resized image mapped back to original pixels
    (x · w / w1, y · h / h1, float32), rounded half to even, cut from the original frames, one cv2 bilinear
    resize to the output size, cv2.flip when flipped."""
    h, w = imgs.shape[1:3]
    h1, w1 = resized_hw
    x1, y1, x2, y2 = box_in_resized
    box = np.array([x1 * w / w1, y1 * h / h1, x2 * w / w1, y2 * h / h1], dtype=np.float32)
    left, top, right, bottom = np.round(box).astype(int)
    out = [cv2.resize(frame[top:bottom, left:right], out_size, interpolation=cv2.INTER_LINEAR) for frame in imgs]
    return np.stack([cv2.flip(frame, 1) for frame in out] if flip else out)


def test_lazy_i3d_train_pipeline_gives_mmaction2_lazy_pixels():
    imgs = clip()
    flips = set()
    for seed in range(6):
        np.random.seed(seed)
        random.seed(seed)
        # the draws: MultiScaleCrop's from Python's random on the 256×341 image, Flip's from NumPy
        sizes = [int(256 * s) for s in (1, 0.8)]
        crop = random.choice([[s, s] for s in sizes])
        crop = [224 if abs(c - 224) < 3 else c for c in crop]
        w_step, h_step = (341 - crop[0]) // 4, (256 - crop[1]) // 4
        x1, y1 = random.choice([(0, 0), (4 * w_step, 0), (0, 4 * h_step), (4 * w_step, 4 * h_step),
                                (2 * w_step, 2 * h_step)])
        flip = np.random.rand() < 0.5
        expected = lazy_reference(imgs, (x1, y1, x1 + crop[0], y1 + crop[1]), (256, 341), (224, 224), flip)
        np.random.seed(seed)
        random.seed(seed)
        results = Compose(LAZY_I3D_TRAIN)(dict(imgs=list(imgs), modality="RGB"))
        np.testing.assert_array_equal(results["imgs"], expected)
        assert results["img_shape"] == (224, 224) and "lazy" not in results and results["flip"] == flip
        np.testing.assert_array_equal(results["crop_bbox"], [x1, y1, x1 + crop[0], y1 + crop[1]])
        flips.add(flip)
    assert flips == {True, False}


def test_lazy_val_pipeline_center_crop():
    imgs = clip(256, 320)
    results = Compose(LAZY_I3D_VAL)(dict(imgs=imgs))
    # no resize needed (short side 256): the centre 224 box of the 256×320 image, resized to its own size
    np.testing.assert_array_equal(results["imgs"], lazy_reference(imgs, (48, 16, 272, 240), (256, 320),
                                                                  (224, 224), False))


def test_lazy_record_composes_two_crops():
    imgs = clip(100, 200, 1)
    pipeline = Compose([dict(type="Resize", scale=0.5, lazy=True), dict(type="CenterCrop", crop_size=40, lazy=True),
                        dict(type="RandomCrop", size=20, lazy=True)])
    np.random.seed(0)
    results = pipeline(dict(imgs=imgs))
    np.random.seed(0)
    y, x = np.random.randint(0, 20), np.random.randint(0, 20)
    # the centre crop starts at (30, 5) of the 100×50 image; each resized pixel is 2 original ones
    np.testing.assert_array_equal(results["lazy"]["crop_bbox"], [2 * (30 + x), 2 * (5 + y),
                                                                 2 * (30 + x + 20), 2 * (5 + y + 20)])
    assert results["lazy"]["interpolation"] == "bilinear" and results["img_shape"] == (20, 20)
    assert results["imgs"] is imgs  # nothing done yet
    assert Fuse()(results)["imgs"].shape == (1, 20, 20, 3)


def test_lazy_mistakes_are_errors_that_say_what_to_do():
    imgs = clip(64, 64, 1)
    with pytest.raises(ValueError, match="CenterCrop: lazy transforms came before .* put Fuse before CenterCrop"):
        Compose([dict(type="Resize", scale=(32, 32), keep_ratio=False, lazy=True),
                 dict(type="CenterCrop", crop_size=16)])(dict(imgs=imgs))
    with pytest.raises(ValueError, match="Fuse: no lazy transform"):
        Fuse()(dict(imgs=imgs))
    with pytest.raises(NotImplementedError, match="CenterCrop: a lazy Flip came before"):
        Compose([dict(type="Flip", flip_ratio=1.0, lazy=True),
                 dict(type="CenterCrop", crop_size=16, lazy=True)])(dict(imgs=imgs))
    with pytest.raises(NotImplementedError, match="use one Flip"):
        Compose([dict(type="Flip", flip_ratio=1.0, lazy=True), dict(type="Flip", lazy=True)])(dict(imgs=imgs))


def test_registered():
    assert PIPELINES.get("Fuse") is Fuse
    assert repr(Fuse()) == "Fuse()"
