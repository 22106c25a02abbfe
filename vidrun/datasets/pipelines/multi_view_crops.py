"""Multi-view test-time crops: `ThreeCrop` and `TenCrop` (MMAction2 0.x).

Both turn a sample of N frames into V views of N frames each, concatenated view-major in `imgs` (all N frames of
view 0, then all N frames of view 1, ...), which is what `FormatShape` expects for its `crops` axis; the test
head averages the V views' scores. As MMAction2, they write `imgs` as a list of frames (the crops are views of
the input frames; TenCrop's mirrored ones are copies), `crop_bbox` with one box [x1, y1, x2, y2] per output
frame (np.array [V·N, 4]) and `img_shape` = (h, w) of one crop. `gt_bboxes` and `proposals` are not cropped
(not supported).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vidrun.datasets.pipelines.image_ops import check_fits, crop_frames, flip_frames, size_pair
from vidrun.datasets.pipelines.lazy import init_lazy
from vidrun.datasets.registries import PIPELINES


def _write_views(results: dict, views: Sequence[tuple[tuple[int, int, int, int], Sequence]],
                 crop_size: tuple[int, int]) -> dict:
    """`results` with the views' frames joined in order and one box per output frame."""
    results["imgs"] = [img for _, frames in views for img in frames]
    results["crop_bbox"] = np.array([box for box, frames in views for _ in range(len(frames))]).reshape(-1, 4)
    results["img_shape"] = (crop_size[1], crop_size[0])
    return results


def _box(offset: tuple[int, int], crop_size: tuple[int, int]) -> tuple[int, int, int, int]:
    x, y = offset
    return x, y, x + crop_size[0], y + crop_size[1]


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
        init_lazy(results, False, "ThreeCrop")
        img_h, img_w = results["imgs"][0].shape[:2]  # the frames' own size, as MMAction2 reads it
        boxes = [_box(offset, self.crop_size) for offset in self._offsets(img_h, img_w)]
        return _write_views(results, [(box, crop_frames(results["imgs"], box)) for box in boxes], self.crop_size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(crop_size={self.crop_size})"


@PIPELINES.register_module()
class TenCrop:
    """The 4 corner crops and the centre crop of `crop_size` (an int for a square, or (w, h)), each followed by
    its left-right mirror image: N frames in → 10·N frames out, in MMAction2's order (crop 0, mirrored crop 0,
    crop 1, mirrored crop 1, ...), each box given for the N frames of both views.

    Offsets use w_step = (w - crop_w) // 4 and h_step = (h - crop_h) // 4: (0, 0), (4·w_step, 0),
    (0, 4·h_step), (4·w_step, 4·h_step), (2·w_step, 2·h_step). An image smaller than the crop is an error.
    """

    def __init__(self, crop_size: int | tuple[int, int]):
        self.crop_size = size_pair(crop_size, "TenCrop", "crop_size")

    def __call__(self, results: dict) -> dict:
        init_lazy(results, False, "TenCrop")
        img_h, img_w = results["imgs"][0].shape[:2]  # the frames' own size, as MMAction2 reads it
        check_fits(self.crop_size, (img_h, img_w), "TenCrop")
        w_step, h_step = (img_w - self.crop_size[0]) // 4, (img_h - self.crop_size[1]) // 4
        offsets = [(0, 0), (4 * w_step, 0), (0, 4 * h_step), (4 * w_step, 4 * h_step), (2 * w_step, 2 * h_step)]
        views = []
        for box in (_box(offset, self.crop_size) for offset in offsets):
            crop = crop_frames(results["imgs"], box)
            views += [(box, crop), (box, list(flip_frames(crop, "horizontal")))]
        return _write_views(results, views, self.crop_size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(crop_size={self.crop_size})"
