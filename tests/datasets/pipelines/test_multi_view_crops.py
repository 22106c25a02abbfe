import numpy as np
import pytest

from vidrun.datasets.pipelines.multi_view_crops import TenCrop, ThreeCrop
from vidrun.datasets.registries import PIPELINES


def frames(n=2, h=4, w=6):
    """Frames whose pixel (f, y, x) holds 100·f + 10·y + x in every channel: every window is recognisable."""
    f, y, x = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), indexing="ij")
    return np.repeat((100 * f + 10 * y + x)[..., None], 3, axis=3).astype(np.uint8)


def test_registered():
    assert PIPELINES.get("ThreeCrop") is ThreeCrop
    assert PIPELINES.get("TenCrop") is TenCrop


@pytest.mark.parametrize("kind", [np.asarray, list])
def test_three_crop_along_the_width_is_left_right_middle_with_a_box_per_frame(kind):
    imgs = frames(2, 4, 6)
    results = ThreeCrop(4)(dict(imgs=kind(imgs)))
    out = results["imgs"]
    assert isinstance(out, list) and len(out) == 6  # a list of frames, as MMAction2 writes
    for view, x in enumerate([0, 2, 1]):
        np.testing.assert_array_equal(np.stack(out[2 * view:2 * view + 2]), imgs[:, :, x:x + 4])
        assert np.shares_memory(out[2 * view], imgs)  # views, not copies
    # MMAction2 writes one box per output frame: [3·N, 4]
    np.testing.assert_array_equal(results["crop_bbox"], [[0, 0, 4, 4]] * 2 + [[2, 0, 6, 4]] * 2 + [[1, 0, 5, 4]] * 2)
    assert results["img_shape"] == (4, 4)


def test_three_crop_along_the_height():
    imgs = frames(2, 6, 4)
    results = ThreeCrop(4)(dict(imgs=list(imgs)))
    out = results["imgs"]
    for view, y in enumerate([0, 2, 1]):
        np.testing.assert_array_equal(np.stack(out[2 * view:2 * view + 2]), imgs[:, y:y + 4])
    np.testing.assert_array_equal(results["crop_bbox"][:, 1], [0, 0, 2, 2, 1, 1])


def test_three_crop_on_a_wrong_shape_says_to_resize_first():
    message = (r"ThreeCrop: the crop \(w=3, h=3\) must span the full height or the full width of the image "
               r"\(w=6, h=4\); resize first, e.g. Resize\(scale=\(-1, 3\)\)")
    with pytest.raises(ValueError, match=message):
        ThreeCrop(3)(dict(imgs=frames()))


def test_ten_crop_gives_each_crop_then_its_mirror_image_in_mmaction2_order():
    imgs = frames(2, 6, 10)
    results = TenCrop(2)(dict(imgs=imgs))
    out = np.stack(results["imgs"])
    assert out.shape == (20, 2, 2, 3)
    # w_step = (10 - 2) // 4 = 2, h_step = (6 - 2) // 4 = 1; MMAction2: crop k (N frames), then its mirror
    offsets = [(0, 0), (8, 0), (0, 4), (8, 4), (4, 2)]
    boxes = []
    for k, (x, y) in enumerate(offsets):
        np.testing.assert_array_equal(out[4 * k:4 * k + 2], imgs[:, y:y + 2, x:x + 2])
        np.testing.assert_array_equal(out[4 * k + 2:4 * k + 4], imgs[:, y:y + 2, x:x + 2][:, :, ::-1])
        boxes += [[x, y, x + 2, y + 2]] * 4  # one box per output frame, mirrored ones included
    np.testing.assert_array_equal(results["crop_bbox"], boxes)
    assert results["img_shape"] == (2, 2)


def test_ten_crop_rectangular_crop():
    imgs = frames(3, 6, 10)
    results = TenCrop((4, 2))(dict(imgs=list(imgs)))
    out = results["imgs"]
    assert isinstance(out, list) and len(out) == 30
    assert all(img.shape == (2, 4, 3) for img in out)
    np.testing.assert_array_equal(np.stack(out[3:6]), np.stack(out[0:3])[:, :, ::-1])
    assert results["img_shape"] == (2, 4) and results["crop_bbox"].shape == (30, 4)


def test_ten_crop_larger_than_the_image_is_an_error():
    with pytest.raises(ValueError, match=r"TenCrop: the crop \(w=8, h=8\) is larger than the image \(w=6, h=4\)"):
        TenCrop(8)(dict(imgs=frames()))


@pytest.mark.parametrize("cls", [ThreeCrop, TenCrop])
def test_argument_errors_and_repr(cls):
    with pytest.raises(TypeError, match=f"{cls.__name__}: crop_size must be an int or a pair of ints"):
        cls(2.5)
    assert repr(cls((4, 2))) == f"{cls.__name__}(crop_size=(4, 2))"
