import random

import numpy as np
import pytest

from vidrun.datasets.pipelines.crops import CenterCrop, MultiScaleCrop, RandomCrop, RandomResizedCrop
from vidrun.datasets.registries import PIPELINES


def frames(n=2, h=4, w=6):
    """Frames whose pixel (f, y, x) holds 100·f + 10·y + x in every channel: every window is recognisable."""
    f, y, x = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), indexing="ij")
    return np.repeat((100 * f + 10 * y + x)[..., None], 3, axis=3).astype(np.uint8)


def seed(value):
    """Both generators MMAction2's crops draw from (vidrun's worker seeding sets both)."""
    np.random.seed(value)
    random.seed(value)


def test_registered():
    for cls in (RandomCrop, RandomResizedCrop, MultiScaleCrop, CenterCrop):
        assert PIPELINES.get(cls.__name__) is cls


def test_center_crop_exact_window():
    imgs = frames()
    results = CenterCrop(2)(dict(imgs=imgs))
    np.testing.assert_array_equal(results["imgs"], imgs[:, 1:3, 2:4])
    np.testing.assert_array_equal(results["imgs"][0, :, :, 0], [[12, 13], [22, 23]])
    np.testing.assert_array_equal(results["crop_bbox"], [2, 1, 4, 3])
    assert results["img_shape"] == (2, 2)


def test_center_crop_pair_is_w_h_and_list_stays_a_list():
    imgs = frames()
    results = CenterCrop((4, 2))(dict(imgs=list(imgs)))
    assert isinstance(results["imgs"], list) and len(results["imgs"]) == 2
    np.testing.assert_array_equal(np.stack(results["imgs"]), imgs[:, 1:3, 1:5])
    np.testing.assert_array_equal(results["crop_bbox"], [1, 1, 5, 3])
    assert results["img_shape"] == (2, 4)


def test_center_crop_larger_than_the_image_is_an_error():
    with pytest.raises(ValueError, match=r"CenterCrop: the crop \(w=8, h=8\) is larger than the image \(w=6, h=4\)"):
        CenterCrop(8)(dict(imgs=frames()))


@pytest.mark.parametrize("h, w, size", [(4, 6, 3), (40, 60, 32), (4, 6, 4), (5, 5, 5)])
def test_random_crop_draws_as_mmaction2(h, w, size):
    """MMAction2 0.24: y first, then x, each np.random.randint(0, side - size) and only when side > size."""
    imgs = frames(2, h, w)
    for s in range(5):
        np.random.seed(s)
        y1 = int(np.random.randint(0, h - size)) if h > size else 0
        x1 = int(np.random.randint(0, w - size)) if w > size else 0
        after = np.random.rand()
        np.random.seed(s)
        results = RandomCrop(size)(dict(imgs=imgs))
        assert np.random.rand() == after  # no more and no fewer draws
        np.testing.assert_array_equal(results["crop_bbox"], [x1, y1, x1 + size, y1 + size])
        np.testing.assert_array_equal(results["imgs"], imgs[:, y1:y1 + size, x1:x1 + size])  # one box, all frames
        assert results["img_shape"] == (size, size)


def test_random_crop_offsets_stop_one_short_of_the_edge_and_lists_stay_lists():
    boxes = set()
    for s in range(100):
        seed(s)
        results = RandomCrop(3)(dict(imgs=list(frames())))
        assert isinstance(results["imgs"], list)
        boxes.add(tuple(results["crop_bbox"][:2]))
    assert boxes == {(x, y) for x in range(3) for y in range(1)}  # randint(0, 3) and randint(0, 1)


def test_random_crop_errors():
    with pytest.raises(ValueError, match=r"RandomCrop: the crop \(w=5, h=5\) is larger than the image \(w=6, h=4\)"):
        RandomCrop(5)(dict(imgs=frames()))
    with pytest.raises(TypeError, match="RandomCrop: size must be an int"):
        RandomCrop((3, 3))
    with pytest.raises(TypeError, match="RandomCrop: lazy"):
        RandomCrop(3, lazy="yes")


def mmaction_rrc_box(h, w, area_range=(0.08, 1.0), ratio_range=(3 / 4, 4 / 3)):
    """MMAction2 0.24's RandomResizedCrop.get_crop_bbox draws, restated: 10 log-uniform ratios and 10 areas
    from NumPy, sides rounded half to even, then the first fitting one's offsets from Python's random."""
    ratios = np.exp(np.random.uniform(np.log(ratio_range[0]), np.log(ratio_range[1]), size=10))
    areas = np.random.uniform(*area_range, size=10) * h * w
    ws = np.round(np.sqrt(areas * ratios)).astype(np.int32)
    hs = np.round(np.sqrt(areas / ratios)).astype(np.int32)
    for cw, ch in zip(ws, hs):
        if ch <= h and cw <= w:
            x1 = random.randint(0, w - cw)
            y1 = random.randint(0, h - ch)
            return [x1, y1, x1 + cw, y1 + ch]
    side = min(h, w)
    return [(w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side]


@pytest.mark.parametrize("h, w", [(40, 60), (256, 340), (8, 100)])
def test_random_resized_crop_draws_as_mmaction2(h, w):
    imgs = frames(2, h, w)
    for s in range(10):
        seed(s)
        expected = mmaction_rrc_box(h, w)
        after = (np.random.rand(), random.random())
        seed(s)
        results = RandomResizedCrop()(dict(imgs=imgs))
        assert (np.random.rand(), random.random()) == after
        np.testing.assert_array_equal(results["crop_bbox"], expected)
        x1, y1, x2, y2 = expected
        np.testing.assert_array_equal(results["imgs"], imgs[:, y1:y2, x1:x2])
        assert results["img_shape"] == (y2 - y1, x2 - x1)


def test_random_resized_crop_exact_full_and_fallback_boxes():
    # area 1 and ratio 1.5 on a 4x6 image: w = round(sqrt(24 * 1.5)) = 6, h = 4: the whole image
    results = RandomResizedCrop(area_range=(1.0, 1.0), aspect_ratio_range=(1.5, 1.5))(dict(imgs=frames()))
    np.testing.assert_array_equal(results["crop_bbox"], [0, 0, 6, 4])
    # ratio 2 needs w = 7 > 6: no attempt fits, so the centred 4x4 square
    results = RandomResizedCrop(area_range=(1.0, 1.0), aspect_ratio_range=(2.0, 2.0))(dict(imgs=list(frames())))
    np.testing.assert_array_equal(results["crop_bbox"], [1, 0, 5, 4])
    assert isinstance(results["imgs"], list) and results["img_shape"] == (4, 4)


def test_random_resized_crop_varies_across_seeds_and_repeats_within_one():
    def box(value):
        seed(value)
        return tuple(RandomResizedCrop()(dict(imgs=frames(1, 40, 60)))["crop_bbox"])
    assert box(3) == box(3)
    assert len({box(seed) for seed in range(10)}) > 1


@pytest.mark.parametrize("kwargs, words", [
    (dict(area_range=(0.5, 0.1)), "area_range"),
    (dict(area_range=(0.0, 1.0)), "area_range"),
    (dict(aspect_ratio_range=(1.0,)), "aspect_ratio_range"),
    (dict(lazy=None), "lazy"),
])
def test_random_resized_crop_argument_errors(kwargs, words):
    with pytest.raises((TypeError, ValueError), match=f"RandomResizedCrop: {words}"):
        RandomResizedCrop(**kwargs)


def test_multi_scale_crop_fixed_offsets():
    # scales (1,) on 8x12: an 8x8 crop, w_step = 1, h_step = 0: x offsets 0 (twice), 4 (twice), 2 (centre)
    seen = set()
    for seed in range(50):
        random.seed(seed)
        results = MultiScaleCrop(100)(dict(imgs=frames(2, 8, 12)))
        seen.add(tuple(results["crop_bbox"]))
        assert results["img_shape"] == (8, 8) and results["scales"] == (1,)
    assert seen == {(0, 0, 8, 8), (4, 0, 12, 8), (2, 0, 10, 8)}


def test_multi_scale_crop_thirteen_fixed_offsets_add_the_quarters():
    seen = set()
    for seed in range(100):
        random.seed(seed)
        seen.add(MultiScaleCrop(100, num_fixed_crops=13)(dict(imgs=frames(1, 8, 12)))["crop_bbox"][0])
    assert seen == {0, 1, 2, 3, 4}


def test_multi_scale_crop_sizes_and_random_offsets():
    imgs = frames(2, 8, 12)
    sizes, xs = set(), set()
    for seed in range(100):
        random.seed(seed)
        results = MultiScaleCrop(100, scales=(1, 0.5), random_crop=True)(dict(imgs=imgs))
        x1, y1, x2, y2 = results["crop_bbox"]
        np.testing.assert_array_equal(results["imgs"], imgs[:, y1:y2, x1:x2])
        sizes.add((x2 - x1, y2 - y1))
        xs.add(x1)
    assert sizes == {(8, 8), (4, 8), (8, 4), (4, 4)}
    assert xs == set(range(9))  # up to 12 - 4


def test_multi_scale_crop_max_gap_zero_keeps_squares_and_snaps_near_input_size():
    random.seed(0)
    results = MultiScaleCrop(100, scales=(1, 0.5), max_wh_scale_gap=0)(dict(imgs=frames(1, 8, 12)))
    w, h = results["img_shape"][1], results["img_shape"][0]
    assert w == h
    # an 8x8 crop is within 2 pixels of input_size (10, 7): both sides snap (10 still fits in w=12)
    results = MultiScaleCrop((10, 7))(dict(imgs=list(frames(1, 8, 12))))
    assert results["img_shape"] == (7, 10) and isinstance(results["imgs"], list)


def mmaction_msc_box(h, w, input_size, scales, max_gap, random_crop, num_fixed):
    """MMAction2 0.24's MultiScaleCrop draws, restated: random.choice of a (w, h) pair listed h-major, a side
    within 2 px of input_size snapped to it, then random.randint x, y or random.choice of a grid offset."""
    sizes = [int(min(h, w) * s) for s in scales]
    pairs = [[cw, ch] for i, ch in enumerate(sizes) for j, cw in enumerate(sizes) if abs(i - j) <= max_gap]
    crop = random.choice(pairs)
    crop = [input_size[k] if abs(crop[k] - input_size[k]) < 3 else crop[k] for k in range(2)]
    cw, ch = crop
    if random_crop:
        x1 = random.randint(0, w - cw)
        y1 = random.randint(0, h - ch)
    else:
        ws, hs = (w - cw) // 4, (h - ch) // 4
        grid = [(0, 0), (4 * ws, 0), (0, 4 * hs), (4 * ws, 4 * hs), (2 * ws, 2 * hs)]
        if num_fixed == 13:
            grid += [(0, 2 * hs), (4 * ws, 2 * hs), (2 * ws, 4 * hs), (2 * ws, 0), (ws, hs), (3 * ws, hs),
                     (ws, 3 * hs), (3 * ws, 3 * hs)]
        x1, y1 = random.choice(grid)
    return [x1, y1, x1 + cw, y1 + ch]


@pytest.mark.parametrize("kwargs", [
    dict(input_size=224, scales=(1, 0.875, 0.75, 0.66), max_wh_scale_gap=1),  # TSN
    dict(input_size=224, scales=(1, 0.8), max_wh_scale_gap=0),  # I3D
    dict(input_size=(224, 200), scales=(1, 0.875, 0.75, 0.66), random_crop=True),
    dict(input_size=224, scales=(1, 0.875, 0.75, 0.66), num_fixed_crops=13),
])
def test_multi_scale_crop_draws_as_mmaction2(kwargs):
    h, w = 256, 341
    imgs = frames(1, h, w)
    args = {**dict(scales=(1,), max_wh_scale_gap=1, random_crop=False, num_fixed_crops=5), **kwargs}
    size = (args["input_size"],) * 2 if isinstance(args["input_size"], int) else args["input_size"]
    for s in range(10):
        seed(s)
        expected = mmaction_msc_box(h, w, size, args["scales"], args["max_wh_scale_gap"], args["random_crop"],
                                    args["num_fixed_crops"])
        after = (np.random.rand(), random.random())
        seed(s)
        results = MultiScaleCrop(**kwargs)(dict(imgs=imgs))
        assert (np.random.rand(), random.random()) == after
        np.testing.assert_array_equal(results["crop_bbox"], expected)


@pytest.mark.parametrize("kwargs, words", [
    (dict(input_size="224"), "input_size"),
    (dict(input_size=224, scales=()), "scales"),
    (dict(input_size=224, scales=(1, 1.5)), "scales"),
    (dict(input_size=224, max_wh_scale_gap=-1), "max_wh_scale_gap"),
    (dict(input_size=224, random_crop=1), "random_crop"),
    (dict(input_size=224, num_fixed_crops=7), "num_fixed_crops"),
    (dict(input_size=224, lazy=0), "lazy"),
])
def test_multi_scale_crop_argument_errors(kwargs, words):
    with pytest.raises((TypeError, ValueError), match=f"MultiScaleCrop: {words}"):
        MultiScaleCrop(**kwargs)


def test_center_crop_argument_errors_and_repr():
    with pytest.raises(TypeError, match="CenterCrop: crop_size must be an int or a pair of ints"):
        CenterCrop((1, 2, 3))
    with pytest.raises(ValueError, match="CenterCrop: crop_size must be positive"):
        CenterCrop(0)
    assert repr(CenterCrop(224)) == "CenterCrop(crop_size=(224, 224), lazy=False)"
