"""Multi-view test-time crops: `ThreeCrop` and `TenCrop` (MMAction2 0.x).

Both turn a sample of N frames into V views of N frames each, concatenated view-major in `imgs` (all N frames of
view 0, then all N frames of view 1, ...), which is what `FormatShape` expects for its `crops` axis; the test
head averages the V views' scores. They write `crop_bbox` (np.array [V, 4], one box [x1, y1, x2, y2] a view) and
`img_shape` = (h, w) of one crop. `gt_bboxes` and `proposals` are not cropped (not supported).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vidrun.datasets.pipelines.image_ops import Frames, check_fits, crop_frames, flip_frames, image_shape, size_pair
from vidrun.datasets.registries import PIPELINES


def concat_views(views: Sequence[Frames]) -> Frames:
    """Frame groups of one kind joined in order: a list of lists becomes one list, arrays are concatenated."""
    if isinstance(views[0], np.ndarray):
        return np.concatenate(views)
    return [img for view in views for img in view]


def _boxes(offsets: Sequence[tuple[int, int]], crop_size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    crop_w, crop_h = crop_size
    return [(x, y, x + crop_w, y + crop_h) for x, y in offsets]


@PIPELINES.register_module()
class ThreeCrop:
    """Three crops of `crop_size` (an int for a square, or (w, h)) along the long side of the image.

    The crop must span the image's full height (crops left, right, middle: x offsets 0, 2·step, step with
    step = (w - crop_w) // 2) or its full width (top, bottom, middle along y); resize the short side to the
    crop size first, e.g. `Resize(scale=(-1, 256))` before `ThreeCrop(256)`. N frames in → 3·N frames out.
    """

    def __init__(self, crop_size: int | tuple[int, int]):
        self.crop_size = size_pair(crop_size, "ThreeCrop", "crop_size")

    def _offsets(self, img_h: int, img_w: int) -> list[tuple[int, int]]:
        crop_w, crop_h = self.crop_size
        if crop_h == img_h and crop_w <= img_w:
            step = (img_w - crop_w) // 2
            return [(0, 0), (2 * step, 0), (step, 0)]
        if crop_w == img_w and crop_h <= img_h:
            step = (img_h - crop_h) // 2
            return [(0, 0), (0, 2 * step), (0, step)]
        raise ValueError(f"ThreeCrop: the crop (w={crop_w}, h={crop_h}) must span the full height or the full "
                         f"width of the image (w={img_w}, h={img_h}); resize first, e.g. "
                         f"Resize(scale=(-1, {min(crop_w, crop_h)})) before ThreeCrop")

    def __call__(self, results: dict) -> dict:
        img_h, img_w = image_shape(results)
        boxes = _boxes(self._offsets(img_h, img_w), self.crop_size)
        results["imgs"] = concat_views([crop_frames(results["imgs"], box) for box in boxes])
        results["crop_bbox"] = np.array(boxes)
        results["img_shape"] = (self.crop_size[1], self.crop_size[0])
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(crop_size={self.crop_size})"


@PIPELINES.register_module()
class TenCrop:
    """The 4 corner crops and the centre crop of `crop_size` (an int for a square, or (w, h)), then the same 5
    mirrored left-right: N frames in → 10·N frames out, views 5..9 the mirror images of views 0..4.

    Offsets use w_step = (w - crop_w) // 4 and h_step = (h - crop_h) // 4: (0, 0), (4·w_step, 0),
    (0, 4·h_step), (4·w_step, 4·h_step), (2·w_step, 2·h_step). An image smaller than the crop is an error.
    (MMAction2 interleaves each crop with its mirror; the set of views, and so their average, is the same.)
    """

    def __init__(self, crop_size: int | tuple[int, int]):
        self.crop_size = size_pair(crop_size, "TenCrop", "crop_size")

    def __call__(self, results: dict) -> dict:
        img_h, img_w = image_shape(results)
        check_fits(self.crop_size, (img_h, img_w), "TenCrop")
        w_step, h_step = (img_w - self.crop_size[0]) // 4, (img_h - self.crop_size[1]) // 4
        offsets = [(0, 0), (4 * w_step, 0), (0, 4 * h_step), (4 * w_step, 4 * h_step), (2 * w_step, 2 * h_step)]
        boxes = _boxes(offsets, self.crop_size)
        crops = [crop_frames(results["imgs"], box) for box in boxes]
        results["imgs"] = concat_views(crops + [flip_frames(crop, "horizontal") for crop in crops])
        results["crop_bbox"] = np.array(boxes + boxes)
        results["img_shape"] = (self.crop_size[1], self.crop_size[0])
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(crop_size={self.crop_size})"
