"""Pixel operations shared by the geometric and colour transforms, computed as mmcv 1.7 computes them.

`Frames` is what `results['imgs']` holds: a list of H×W(×C) arrays or a stacked array [N, H, W(, C)]. The pixel
work is OpenCV's, called as `mmcv.imresize` and `mmcv.imflip_` call it, so the pixels are those MMAction2 0.x
produces; what differs is only where the output goes: into one preallocated stack instead of a list of new
arrays. Crops are slices (views of the input).

Public helpers other transforms may import (stable names): `rescale_size`, `imresize`, `resize_frames`,
`flip_frames`, `crop_frames`, `stack_frames`, `image_shape`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import cv2
import numpy as np

Frames = Union[list, np.ndarray]

# mmcv's `cv2_interp_codes`: the names configs use and the OpenCV flags they stand for.
CV2_INTERPOLATIONS = {"nearest": cv2.INTER_NEAREST, "bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC,
                      "area": cv2.INTER_AREA, "lanczos": cv2.INTER_LANCZOS4}
INTERPOLATIONS = tuple(CV2_INTERPOLATIONS)
# The dtypes cv2.resize accepts for every interpolation.
RESIZABLE_DTYPES = (np.uint8, np.uint16, np.int16, np.float32, np.float64)


def image_shape(results: dict) -> tuple[int, int]:
    """The current (h, w) of the frames: `results['img_shape']` when present, else the first frame's."""
    if "img_shape" in results:
        img_h, img_w = results["img_shape"]
        return int(img_h), int(img_w)
    first = results["imgs"][0]
    return int(first.shape[0]), int(first.shape[1])


def stack_frames(imgs: Frames) -> np.ndarray:
    """The frames as one array [N, H, W(, C)] (the array itself when it already is one)."""
    return imgs if isinstance(imgs, np.ndarray) else np.stack(imgs)


def like_input(stacked: np.ndarray, imgs: Frames) -> Frames:
    """`stacked` [N, H, W, C] returned in the kind of `imgs`: a list of its frames if `imgs` was a list."""
    return stacked if isinstance(imgs, np.ndarray) else list(stacked)


def rescale_size(old_size: tuple[int, int], scale: float | tuple[float, float]) -> tuple[int, int]:
    """The new (w, h) of an image of size `old_size` = (w, h) that keeps its aspect ratio (`mmcv.rescale_size`).

    A number `scale` is the factor itself. A pair bounds the long side by its larger value and the short side by
    its smaller one, and the factor is the largest that satisfies both: `min(max(scale) / max(h, w),
    min(scale) / min(h, w))`. A long-side bound of `inf` leaves only the short side, so `(inf, 256)` resizes
    the short side to 256. Each side becomes `int(side * factor + 0.5)` (rounding half up, as mmcv).
    """
    w, h = old_size
    if isinstance(scale, (int, float)) and not isinstance(scale, bool):
        factor = float(scale)
    else:
        factor = min(max(scale) / max(h, w), min(scale) / min(h, w))
    return int(w * factor + 0.5), int(h * factor + 0.5)


def imresize(img: np.ndarray, size: tuple[int, int], interpolation: str = "bilinear",
             out: np.ndarray | None = None) -> np.ndarray:
    """One frame resized to `size` = (w, h): `cv2.resize` with mmcv's flag for `interpolation`, so the pixels
    are `mmcv.imresize`'s. With `out` (a C-contiguous array of the output's shape and dtype) the result is
    written there. A frame H×W×1 keeps its channel axis (mmcv's would drop it)."""
    if interpolation not in CV2_INTERPOLATIONS:
        raise ValueError(f"imresize: interpolation must be one of {', '.join(map(repr, INTERPOLATIONS))}, "
                         f"got {interpolation!r}")
    flag = CV2_INTERPOLATIONS[interpolation]
    if img.ndim == 3 and img.shape[2] == 1:  # OpenCV would drop the channel axis: resize the 2-D view
        plane = cv2.resize(img[..., 0], size, dst=None if out is None else out[..., 0], interpolation=flag)
        return plane[..., None] if out is None else out
    if out is None:
        return cv2.resize(img, size, interpolation=flag)
    cv2.resize(img, size, dst=out, interpolation=flag)
    return out


def resize_frames(imgs: Frames, size: tuple[int, int], interpolation: str) -> np.ndarray:
    """Every frame resized to `size` = (w, h) (see `imresize`), written into one new C-contiguous stack
    [N, h, w(, C)] of the frames' dtype, whatever kind `imgs` was. A dtype OpenCV cannot resize is a TypeError."""
    first = imgs[0]
    if first.dtype not in RESIZABLE_DTYPES:
        raise TypeError(f"resize: frames of dtype {first.dtype} cannot be resized; supported: "
                        f"{', '.join(np.dtype(d).name for d in RESIZABLE_DTYPES)}")
    new_w, new_h = size
    out = np.empty((len(imgs), new_h, new_w, *first.shape[2:]), dtype=first.dtype)
    for img, dst in zip(imgs, out):
        imresize(img, (new_w, new_h), interpolation, out=dst)
    return out


def crop_frames(imgs: Frames, bbox: Sequence[int]) -> Frames:
    """Every frame cut to the box `bbox` = (x1, y1, x2, y2), as views of the input (same kind as `imgs`)."""
    x1, y1, x2, y2 = (int(v) for v in bbox)
    if isinstance(imgs, np.ndarray):
        return imgs[:, y1:y2, x1:x2]
    return [img[y1:y2, x1:x2] for img in imgs]


def _flip_code(direction: str) -> int:
    """OpenCV's flip code for a direction, as `mmcv.imflip_` maps it."""
    codes = {"horizontal": 1, "vertical": 0, "diagonal": -1}
    if direction not in codes:
        raise ValueError(f"flip: direction must be one of {', '.join(map(repr, codes))}, got {direction!r}")
    return codes[direction]


def can_flip_in_place(imgs: Frames) -> bool:
    """True when `imgs` is a stack that owns its C-contiguous, writeable memory (what `resize_frames`
    returns): one array whose frames are distinct, so mirroring them in place touches nothing else."""
    return (isinstance(imgs, np.ndarray) and imgs.base is None and imgs.flags.c_contiguous
            and imgs.flags.writeable)


def flip_frames(imgs: Frames, direction: str, in_place: bool = False) -> np.ndarray:
    """Every frame mirrored with `cv2.flip` (`'horizontal'`: left-right, `'vertical'`: top-bottom,
    `'diagonal'`: both), the pixels of `mmcv.imflip`. With `in_place` (allowed only where
    `can_flip_in_place(imgs)`) the stack itself is mirrored and returned; otherwise a new C-contiguous stack."""
    code = _flip_code(direction)
    if in_place:
        if not can_flip_in_place(imgs):
            raise ValueError("flip_frames: in_place needs a C-contiguous, writeable stack that owns its memory")
        out = imgs
    else:
        first = imgs[0]
        out = np.empty((len(imgs), *first.shape), dtype=first.dtype)
    for img, dst in zip(imgs, out):
        # OpenCV drops a trailing channel axis of 1: mirror the 2-D view instead.
        if img.ndim == 3 and img.shape[2] == 1:
            img, dst = img[..., 0], dst[..., 0]
        cv2.flip(img, code, dst)
    return out


def size_pair(value: object, owner: str, name: str) -> tuple[int, int]:
    """`value` (an int, or a pair (w, h) of ints) as a pair (w, h) of positive ints, or a ValueError/TypeError
    that names `owner` (the class) and the argument `name`."""
    pair = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)):
        raise TypeError(f"{owner}: {name} must be an int or a pair of ints (w, h), got {value!r}")
    if min(pair) <= 0:
        raise ValueError(f"{owner}: {name} must be positive, got {value!r}")
    return int(pair[0]), int(pair[1])


def check_fits(crop_size: tuple[int, int], img_hw: tuple[int, int], owner: str) -> None:
    """Raise a ValueError naming both sizes when a crop (w, h) does not fit in an image (h, w)."""
    crop_w, crop_h = crop_size
    img_h, img_w = img_hw
    if crop_w > img_w or crop_h > img_h:
        raise ValueError(f"{owner}: the crop (w={crop_w}, h={crop_h}) is larger than the image "
                         f"(w={img_w}, h={img_h}); resize the frames first")
