import numpy as np
import pytest

from vidrun.datasets.pipelines.crops import CenterCrop, MultiScaleCrop, RandomCrop, RandomResizedCrop
from vidrun.datasets.registries import PIPELINES


def frames(n=2, h=4, w=6):
    """Frames whose pixel (f, y, x) holds 100·f + 10·y + x in every channel: every window is recognisable."""
    f, y, x = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), indexing="ij")
    return np.repeat((100 * f + 10 * y + x)[..., None], 3, axis=3).astype(np.uint8)


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


def test_random_crop_follows_the_global_seed():
    imgs = frames()
    np.random.seed(5)
    x1, y1 = np.random.randint(0, 6 - 3 + 1), np.random.randint(0, 4 - 3 + 1)
    np.random.seed(5)
    results = RandomCrop(3)(dict(imgs=imgs))
    np.testing.assert_array_equal(results["crop_bbox"], [x1, y1, x1 + 3, y1 + 3])
    np.testing.assert_array_equal(results["imgs"], imgs[:, y1:y1 + 3, x1:x1 + 3])  # one box for all frames
    assert results["img_shape"] == (3, 3)


def test_random_crop_reaches_every_offset_and_lists_stay_lists():
    boxes = set()
    for seed in range(100):
        np.random.seed(seed)
        results = RandomCrop(3)(dict(imgs=list(frames())))
        assert isinstance(results["imgs"], list)
        boxes.add(tuple(results["crop_bbox"][:2]))
    assert boxes == {(x, y) for x in range(4) for y in range(2)}


def test_random_crop_errors():
    with pytest.raises(ValueError, match=r"RandomCrop: the crop \(w=5, h=5\) is larger than the image \(w=6, h=4\)"):
        RandomCrop(5)(dict(imgs=frames()))
    with pytest.raises(TypeError, match="RandomCrop: size must be an int"):
        RandomCrop((3, 3))
    with pytest.raises(ValueError, match="RandomCrop: lazy"):
        RandomCrop(3, lazy=True)


def test_random_resized_crop_follows_mmaction2_formula():
    imgs = frames(2, 40, 60)
    np.random.seed(1)
    ratios = np.exp(np.random.uniform(np.log(3 / 4), np.log(4 / 3), size=10))
    areas = np.random.uniform(0.08, 1.0, size=10) * 40 * 60
    ws, hs = np.round(np.sqrt(areas * ratios)).astype(int), np.round(np.sqrt(areas / ratios)).astype(int)
    i = next(k for k in range(10) if ws[k] <= 60 and hs[k] <= 40)
    x1, y1 = np.random.randint(0, 60 - ws[i] + 1), np.random.randint(0, 40 - hs[i] + 1)
    np.random.seed(1)
    results = RandomResizedCrop()(dict(imgs=imgs))
    np.testing.assert_array_equal(results["crop_bbox"], [x1, y1, x1 + ws[i], y1 + hs[i]])
    np.testing.assert_array_equal(results["imgs"], imgs[:, y1:y1 + hs[i], x1:x1 + ws[i]])
    assert results["img_shape"] == (hs[i], ws[i])


def test_random_resized_crop_exact_full_and_fallback_boxes():
    # area 1 and ratio 1.5 on a 4x6 image: w = round(sqrt(24 * 1.5)) = 6, h = 4: the whole image
    results = RandomResizedCrop(area_range=(1.0, 1.0), aspect_ratio_range=(1.5, 1.5))(dict(imgs=frames()))
    np.testing.assert_array_equal(results["crop_bbox"], [0, 0, 6, 4])
    # ratio 2 needs w = 7 > 6: no attempt fits, so the centred 4x4 square
    results = RandomResizedCrop(area_range=(1.0, 1.0), aspect_ratio_range=(2.0, 2.0))(dict(imgs=list(frames())))
    np.testing.assert_array_equal(results["crop_bbox"], [1, 0, 5, 4])
    assert isinstance(results["imgs"], list) and results["img_shape"] == (4, 4)


def test_random_resized_crop_varies_across_seeds_and_repeats_within_one():
    def box(seed):
        np.random.seed(seed)
        return tuple(RandomResizedCrop()(dict(imgs=frames(1, 40, 60)))["crop_bbox"])
    assert box(3) == box(3)
    assert len({box(seed) for seed in range(10)}) > 1


@pytest.mark.parametrize("kwargs, words", [
    (dict(area_range=(0.5, 0.1)), "area_range"),
    (dict(area_range=(0.0, 1.0)), "area_range"),
    (dict(aspect_ratio_range=(1.0,)), "aspect_ratio_range"),
    (dict(lazy=True), "lazy"),
])
def test_random_resized_crop_argument_errors(kwargs, words):
    with pytest.raises((TypeError, ValueError), match=f"RandomResizedCrop: {words}"):
        RandomResizedCrop(**kwargs)


def test_multi_scale_crop_fixed_offsets():
    # scales (1,) on 8x12: an 8x8 crop, w_step = 1, h_step = 0: x offsets 0 (twice), 4 (twice), 2 (centre)
    seen = set()
    for seed in range(50):
        np.random.seed(seed)
        results = MultiScaleCrop(100)(dict(imgs=frames(2, 8, 12)))
        seen.add(tuple(results["crop_bbox"]))
        assert results["img_shape"] == (8, 8) and results["scales"] == (1,)
    assert seen == {(0, 0, 8, 8), (4, 0, 12, 8), (2, 0, 10, 8)}


def test_multi_scale_crop_thirteen_fixed_offsets_add_the_quarters():
    seen = set()
    for seed in range(100):
        np.random.seed(seed)
        seen.add(MultiScaleCrop(100, num_fixed_crops=13)(dict(imgs=frames(1, 8, 12)))["crop_bbox"][0])
    assert seen == {0, 1, 2, 3, 4}


def test_multi_scale_crop_sizes_and_random_offsets():
    imgs = frames(2, 8, 12)
    sizes, xs = set(), set()
    for seed in range(100):
        np.random.seed(seed)
        results = MultiScaleCrop(100, scales=(1, 0.5), random_crop=True)(dict(imgs=imgs))
        x1, y1, x2, y2 = results["crop_bbox"]
        np.testing.assert_array_equal(results["imgs"], imgs[:, y1:y2, x1:x2])
        sizes.add((x2 - x1, y2 - y1))
        xs.add(x1)
    assert sizes == {(8, 8), (4, 8), (8, 4), (4, 4)}
    assert xs == set(range(9))  # up to 12 - 4


def test_multi_scale_crop_max_gap_zero_keeps_squares_and_snaps_near_input_size():
    np.random.seed(0)
    results = MultiScaleCrop(100, scales=(1, 0.5), max_wh_scale_gap=0)(dict(imgs=frames(1, 8, 12)))
    w, h = results["img_shape"][1], results["img_shape"][0]
    assert w == h
    # an 8x8 crop is within 2 pixels of input_size (10, 7): both sides snap (10 still fits in w=12)
    results = MultiScaleCrop((10, 7))(dict(imgs=list(frames(1, 8, 12))))
    assert results["img_shape"] == (7, 10) and isinstance(results["imgs"], list)


@pytest.mark.parametrize("kwargs, words", [
    (dict(input_size="224"), "input_size"),
    (dict(input_size=224, scales=()), "scales"),
    (dict(input_size=224, scales=(1, 1.5)), "scales"),
    (dict(input_size=224, max_wh_scale_gap=-1), "max_wh_scale_gap"),
    (dict(input_size=224, random_crop=1), "random_crop"),
    (dict(input_size=224, num_fixed_crops=7), "num_fixed_crops"),
    (dict(input_size=224, lazy=True), "lazy"),
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
