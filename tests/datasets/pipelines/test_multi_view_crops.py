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


def test_three_crop_along_the_width_is_left_right_middle():
    imgs = frames(2, 4, 6)
    results = ThreeCrop(4)(dict(imgs=imgs))
    out = results["imgs"]
    assert out.shape == (6, 4, 4, 3)
    for view, x in enumerate([0, 2, 1]):
        np.testing.assert_array_equal(out[2 * view:2 * view + 2], imgs[:, :, x:x + 4])
    np.testing.assert_array_equal(results["crop_bbox"], [[0, 0, 4, 4], [2, 0, 6, 4], [1, 0, 5, 4]])
    assert results["img_shape"] == (4, 4)


def test_three_crop_along_the_height_and_list_kind():
    imgs = frames(2, 6, 4)
    results = ThreeCrop(4)(dict(imgs=list(imgs)))
    out = results["imgs"]
    assert isinstance(out, list) and len(out) == 6
    for view, y in enumerate([0, 2, 1]):
        np.testing.assert_array_equal(np.stack(out[2 * view:2 * view + 2]), imgs[:, y:y + 4])
    np.testing.assert_array_equal(results["crop_bbox"][:, 1], [0, 2, 1])


def test_three_crop_on_a_wrong_shape_says_to_resize_first():
    message = (r"ThreeCrop: the crop \(w=3, h=3\) must span the full height or the full width of the image "
               r"\(w=6, h=4\); resize first, e.g. Resize\(scale=\(-1, 3\)\)")
    with pytest.raises(ValueError, match=message):
        ThreeCrop(3)(dict(imgs=frames()))


def test_ten_crop_gives_five_crops_then_their_mirror_images():
    imgs = frames(2, 6, 10)
    results = TenCrop(2)(dict(imgs=imgs))
    out = results["imgs"]
    assert out.shape == (20, 2, 2, 3)
    # w_step = (10 - 2) // 4 = 2, h_step = (6 - 2) // 4 = 1
    offsets = [(0, 0), (8, 0), (0, 4), (8, 4), (4, 2)]
    for view, (x, y) in enumerate(offsets):
        np.testing.assert_array_equal(out[2 * view:2 * view + 2], imgs[:, y:y + 2, x:x + 2])
        np.testing.assert_array_equal(out[10 + 2 * view:12 + 2 * view], imgs[:, y:y + 2, x:x + 2][:, :, ::-1])
    boxes = [[x, y, x + 2, y + 2] for x, y in offsets]
    np.testing.assert_array_equal(results["crop_bbox"], boxes + boxes)
    assert results["img_shape"] == (2, 2)


def test_ten_crop_list_kind_and_rectangular_crop():
    imgs = frames(3, 6, 10)
    results = TenCrop((4, 2))(dict(imgs=list(imgs)))
    out = results["imgs"]
    assert isinstance(out, list) and len(out) == 30
    assert all(img.shape == (2, 4, 3) for img in out)
    np.testing.assert_array_equal(np.stack(out[15:18]), np.stack(out[0:3])[:, :, ::-1])
    assert results["img_shape"] == (2, 4)


def test_ten_crop_larger_than_the_image_is_an_error():
    with pytest.raises(ValueError, match=r"TenCrop: the crop \(w=8, h=8\) is larger than the image \(w=6, h=4\)"):
        TenCrop(8)(dict(imgs=frames()))


@pytest.mark.parametrize("cls", [ThreeCrop, TenCrop])
def test_argument_errors_and_repr(cls):
    with pytest.raises(TypeError, match=f"{cls.__name__}: crop_size must be an int or a pair of ints"):
        cls(2.5)
    assert repr(cls((4, 2))) == f"{cls.__name__}(crop_size=(4, 2))"
