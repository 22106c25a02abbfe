"""Single-view crops: `RandomCrop`, `RandomResizedCrop`, `MultiScaleCrop` and `CenterCrop` (MMAction2 0.x).

Each picks one box per sample, cuts every frame to it (as views of the input frames) and writes `crop_bbox` =
np.array([x1, y1, x2, y2]) and `img_shape` = (h, w); with `lazy=True` it only records the box (see `lazy.py`).
None of them resizes: configs follow the random crops with `Resize(scale=(224, 224), keep_ratio=False)`.

Random draws are MMAction2 0.24's, call for call, so that one seed gives the same boxes: `RandomCrop` draws from
NumPy's global generator, `RandomResizedCrop` its ratios and areas from NumPy and its offsets from Python's
`random`, `MultiScaleCrop` everything from Python's `random`. vidrun seeds both generators (the run's seed,
each loader worker's). `gt_bboxes` and `proposals` are not cropped (not supported).
"""
from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np

from vidrun.datasets.pipelines.image_ops import check_fits, crop_frames, size_pair
from vidrun.datasets.pipelines.lazy import check_lazy_flag, init_lazy, record_crop
from vidrun.datasets.registries import PIPELINES


def apply_crop(results: dict, bbox: tuple[int, int, int, int], lazy: bool = False, owner: str = "crop") -> dict:
    """Cut every frame of `results` to `bbox` = (x1, y1, x2, y2) (or, `lazy`, record the cut) and write
    `crop_bbox` and `img_shape`."""
    x1, y1, x2, y2 = (int(v) for v in bbox)
    if lazy:
        record_crop(results, (x1, y1, x2, y2), results["img_shape"], owner)
    else:
        results["imgs"] = crop_frames(results["imgs"], (x1, y1, x2, y2))
    results["crop_bbox"] = np.array([x1, y1, x2, y2])
    results["img_shape"] = (y2 - y1, x2 - x1)
    return results


def _number_range(value: object, owner: str, name: str, low: float, high: float) -> tuple[float, float]:
    """`value` as a pair (a, b) of numbers with low < a <= b <= high, or an error naming `owner` and `name`."""
    if not (isinstance(value, (tuple, list)) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise TypeError(f"{owner}: {name} must be a pair of numbers (min, max), got {value!r}")
    if not low < value[0] <= value[1] <= high:
        raise ValueError(f"{owner}: {name} must satisfy {low} < min <= max <= {high}, got {value!r}")
    return float(value[0]), float(value[1])


@PIPELINES.register_module()
class RandomCrop:
    """A `size`×`size` crop at a random offset, drawn as MMAction2 0.24 draws it: first y =
    `np.random.randint(0, h - size)` if h > size (else 0, no draw), then x the same way along the width. (So an
    offset of exactly `side - size` never comes up, as in MMAction2.) An image smaller than `size` is an error.
    """

    def __init__(self, size: int, lazy: bool = False):
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"RandomCrop: size must be an int (the side of a square crop), got {size!r}")
        if size <= 0:
            raise ValueError(f"RandomCrop: size must be positive, got {size!r}")
        self.size = size
        self.lazy = check_lazy_flag(lazy, "RandomCrop")

    def __call__(self, results: dict) -> dict:
        init_lazy(results, self.lazy, "RandomCrop")
        img_h, img_w = results["img_shape"]
        check_fits((self.size, self.size), (img_h, img_w), "RandomCrop")
        y1 = int(np.random.randint(0, img_h - self.size)) if img_h > self.size else 0
        x1 = int(np.random.randint(0, img_w - self.size)) if img_w > self.size else 0
        return apply_crop(results, (x1, y1, x1 + self.size, y1 + self.size), self.lazy, "RandomCrop")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, lazy={self.lazy})"


def random_resized_bbox(img_hw: tuple[int, int], area_range: tuple[float, float],
                        aspect_ratio_range: tuple[float, float], max_attempts: int = 10) -> tuple[int, ...]:
    """MMAction2's `RandomResizedCrop.get_crop_bbox`: a box (x1, y1, x2, y2) of random area and aspect ratio.

    Draws (NumPy) `max_attempts` log-uniform aspect ratios, then as many areas (fractions of h·w, uniform in
    `area_range`); sides are rounded half to even. The first candidate that fits (and is not empty) gets an
    offset from Python's `random`: `randint(0, w - crop_w)` (both ends included), then the same for y. When
    none fits, the centred square of side min(h, w).
    """
    img_h, img_w = img_hw
    min_ar, max_ar = aspect_ratio_range
    aspect_ratios = np.exp(np.random.uniform(np.log(min_ar), np.log(max_ar), size=max_attempts))
    target_areas = np.random.uniform(*area_range, size=max_attempts) * img_h * img_w
    crop_ws = np.round(np.sqrt(target_areas * aspect_ratios)).astype(np.int64)
    crop_hs = np.round(np.sqrt(target_areas / aspect_ratios)).astype(np.int64)
    for crop_w, crop_h in zip(crop_ws.tolist(), crop_hs.tolist()):
        if 0 < crop_w <= img_w and 0 < crop_h <= img_h:
            x1 = random.randint(0, img_w - crop_w)
            y1 = random.randint(0, img_h - crop_h)
            return x1, y1, x1 + crop_w, y1 + crop_h
    side = min(img_h, img_w)
    x1, y1 = (img_w - side) // 2, (img_h - side) // 2
    return x1, y1, x1 + side, y1 + side


@PIPELINES.register_module()
class RandomResizedCrop:
    """A crop of random area (a fraction of the image in `area_range`) and aspect ratio w/h (log-uniform in
    `aspect_ratio_range`); see `random_resized_bbox`. It does not resize, unlike torchvision's namesake.
    """

    def __init__(self, area_range: Sequence[float] = (0.08, 1.0),
                 aspect_ratio_range: Sequence[float] = (3 / 4, 4 / 3), lazy: bool = False):
        self.area_range = _number_range(area_range, "RandomResizedCrop", "area_range", 0.0, 1.0)
        self.aspect_ratio_range = _number_range(aspect_ratio_range, "RandomResizedCrop", "aspect_ratio_range",
                                                0.0, math.inf)
        self.lazy = check_lazy_flag(lazy, "RandomResizedCrop")

    def __call__(self, results: dict) -> dict:
        init_lazy(results, self.lazy, "RandomResizedCrop")
        bbox = random_resized_bbox(results["img_shape"], self.area_range, self.aspect_ratio_range)
        return apply_crop(results, bbox, self.lazy, "RandomResizedCrop")

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(area_range={self.area_range}, "
                f"aspect_ratio_range={self.aspect_ratio_range}, lazy={self.lazy})")


def fixed_offsets(img_hw: tuple[int, int], crop_size: tuple[int, int], num: int) -> list[tuple[int, int]]:
    """The (x, y) offsets of MultiScaleCrop's fixed grid: the 4 corners and the centre, and with `num == 13`
    also the 4 edge middles and the 4 quarter points (in MMAction2's order)."""
    img_h, img_w = img_hw
    w_step, h_step = (img_w - crop_size[0]) // 4, (img_h - crop_size[1]) // 4
    grid = [(0, 0), (4, 0), (0, 4), (4, 4), (2, 2)]
    if num == 13:
        grid += [(0, 2), (4, 2), (2, 4), (2, 0), (1, 1), (3, 1), (1, 3), (3, 3)]
    return [(i * w_step, j * h_step) for i, j in grid]


@PIPELINES.register_module()
class MultiScaleCrop:
    """TSN's multi-scale crop: width and height each a random fraction `scales[k]` of the short side.

    With `base = min(h, w)` and `sizes = [int(base * s) for s in scales]`, the candidates are the pairs
    (w=sizes[j], h=sizes[i]) with |i - j| <= `max_wh_scale_gap`, listed h-major; one is drawn with
    `random.choice`. A side within 2 pixels of `input_size` (w, h) snaps to it (when it still fits: MMAction2
    snaps even when it does not). The offset is drawn with `random.randint(0, w - crop_w)` then the same for y
    when `random_crop`, else with `random.choice` among the `num_fixed_crops` (5 or 13) grid offsets
    (`fixed_offsets`). All draws are Python's `random`, as MMAction2's. Writes `crop_bbox`, `img_shape` and
    `scales`.
    """

    def __init__(self, input_size: int | tuple[int, int], scales: Sequence[float] = (1,),
                 max_wh_scale_gap: int = 1, random_crop: bool = False, num_fixed_crops: int = 5,
                 lazy: bool = False):
        self.input_size = size_pair(input_size, "MultiScaleCrop", "input_size")
        if not (isinstance(scales, (tuple, list)) and scales and all(
                isinstance(s, (int, float)) and not isinstance(s, bool) and 0 < s <= 1 for s in scales)):
            raise ValueError(f"MultiScaleCrop: scales must be a non-empty sequence of numbers in (0, 1], "
                             f"got {scales!r}")
        if not isinstance(max_wh_scale_gap, int) or isinstance(max_wh_scale_gap, bool) or max_wh_scale_gap < 0:
            raise ValueError(f"MultiScaleCrop: max_wh_scale_gap must be an int >= 0, got {max_wh_scale_gap!r}")
        if not isinstance(random_crop, bool):
            raise TypeError(f"MultiScaleCrop: random_crop must be a bool, got {random_crop!r}")
        if num_fixed_crops not in (5, 13):
            raise ValueError(f"MultiScaleCrop: num_fixed_crops must be 5 or 13, got {num_fixed_crops!r}")
        self.lazy = check_lazy_flag(lazy, "MultiScaleCrop")
        self.scales = tuple(scales)
        self.max_wh_scale_gap = max_wh_scale_gap
        self.random_crop = random_crop
        self.num_fixed_crops = num_fixed_crops

    def _crop_size(self, img_h: int, img_w: int) -> tuple[int, int]:
        sizes = [int(min(img_h, img_w) * s) for s in self.scales]
        candidates = [(w, h) for i, h in enumerate(sizes) for j, w in enumerate(sizes)
                      if abs(i - j) <= self.max_wh_scale_gap]
        crop = list(random.choice(candidates))
        for k, limit in enumerate((img_w, img_h)):
            if abs(crop[k] - self.input_size[k]) < 3 and self.input_size[k] <= limit:
                crop[k] = self.input_size[k]
        return crop[0], crop[1]

    def __call__(self, results: dict) -> dict:
        init_lazy(results, self.lazy, "MultiScaleCrop")
        img_h, img_w = results["img_shape"]
        crop_w, crop_h = self._crop_size(img_h, img_w)
        if self.random_crop:
            x1 = random.randint(0, img_w - crop_w)
            y1 = random.randint(0, img_h - crop_h)
        else:
            offsets = fixed_offsets((img_h, img_w), (crop_w, crop_h), self.num_fixed_crops)
            x1, y1 = random.choice(offsets)
        results["scales"] = self.scales
        return apply_crop(results, (x1, y1, x1 + crop_w, y1 + crop_h), self.lazy, "MultiScaleCrop")

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(input_size={self.input_size}, scales={self.scales}, "
                f"max_wh_scale_gap={self.max_wh_scale_gap}, random_crop={self.random_crop}, "
                f"num_fixed_crops={self.num_fixed_crops}, lazy={self.lazy})")


@PIPELINES.register_module()
class CenterCrop:
    """The centred `crop_size` crop (an int for a square, or (w, h)): left = (w - crop_w) // 2,
    top = (h - crop_h) // 2. An image smaller than the crop is an error.
    """

    def __init__(self, crop_size: int | tuple[int, int], lazy: bool = False):
        self.crop_size = size_pair(crop_size, "CenterCrop", "crop_size")
        self.lazy = check_lazy_flag(lazy, "CenterCrop")

    def __call__(self, results: dict) -> dict:
        init_lazy(results, self.lazy, "CenterCrop")
        img_h, img_w = results["img_shape"]
        crop_w, crop_h = self.crop_size
        check_fits(self.crop_size, (img_h, img_w), "CenterCrop")
        left, top = (img_w - crop_w) // 2, (img_h - crop_h) // 2
        return apply_crop(results, (left, top, left + crop_w, top + crop_h), self.lazy, "CenterCrop")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(crop_size={self.crop_size}, lazy={self.lazy})"
