"""Operations on a sample's frames shared by the geometric and colour transforms.

`Frames` is what `results['imgs']` holds: a list of H×W×C arrays or a stacked array [N, H, W, C]. Every function
here returns the same kind it was given (list in → list out, array in → array out), so a transform can pass the
input kind through without looking at it. Crops are slices (views of the input); resizing and flipping copy.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import numpy as np
import torch
import torch.nn.functional as F

Frames = Union[list, np.ndarray]

INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "area")


def image_shape(results: dict) -> tuple[int, int]:
    """The current (h, w) of the frames: `results['img_shape']` when present, else the first frame's."""
    if "img_shape" in results:
        img_h, img_w = results["img_shape"]
        return int(img_h), int(img_w)
    first = results["imgs"][0]
    return int(first.shape[0]), int(first.shape[1])


def stack_frames(imgs: Frames) -> np.ndarray:
    """The frames as one array [N, H, W, C] (the array itself when it already is one)."""
    return imgs if isinstance(imgs, np.ndarray) else np.stack(imgs)


def like_input(stacked: np.ndarray, imgs: Frames) -> Frames:
    """`stacked` [N, H, W, C] returned in the kind of `imgs`: a list of its frames if `imgs` was a list."""
    return stacked if isinstance(imgs, np.ndarray) else list(stacked)


def crop_frames(imgs: Frames, bbox: Sequence[int]) -> Frames:
    """Every frame cut to the box `bbox` = (x1, y1, x2, y2), as views of the input."""
    x1, y1, x2, y2 = (int(v) for v in bbox)
    if isinstance(imgs, np.ndarray):
        return imgs[:, y1:y2, x1:x2]
    return [img[y1:y2, x1:x2] for img in imgs]


def flip_frames(imgs: Frames, direction: str) -> Frames:
    """Every frame mirrored left-right (`'horizontal'`) or top-bottom (`'vertical'`), as contiguous copies
    (a negative-stride view would be refused later by `torch.from_numpy`)."""
    axis = 1 if direction == "horizontal" else 0
    if isinstance(imgs, np.ndarray):
        return np.ascontiguousarray(np.flip(imgs, axis=axis + 1))
    return [np.ascontiguousarray(np.flip(img, axis=axis)) for img in imgs]


def resize_frames(imgs: Frames, size: tuple[int, int], interpolation: str) -> Frames:
    """Every frame resized to `size` = (w, h) with one `torch.nn.functional.interpolate` call on the stack.

    Bilinear and bicubic use `antialias=True` when either side shrinks, which comes closer to `cv2.INTER_AREA`
    quality than plain bilinear; on upscaling it is left off because antialiased bicubic uses another kernel.
    uint8 frames are rounded and clamped back to uint8; other dtypes are cast back to their own dtype.
    """
    new_w, new_h = size
    stacked = np.ascontiguousarray(stack_frames(imgs))
    _, img_h, img_w, _ = stacked.shape
    tensor = torch.from_numpy(stacked).permute(0, 3, 1, 2).float()
    shrinks = new_h < img_h or new_w < img_w
    kwargs = {}
    if interpolation in ("bilinear", "bicubic"):
        kwargs = dict(align_corners=False, antialias=shrinks)
    out = F.interpolate(tensor, size=(new_h, new_w), mode=interpolation, **kwargs)
    if stacked.dtype == np.uint8:
        out = out.round_().clamp_(0, 255)
    resized = np.ascontiguousarray(out.permute(0, 2, 3, 1).numpy(), dtype=stacked.dtype)
    return like_input(resized, imgs)


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


def check_not_lazy(lazy: object, owner: str) -> None:
    """Refuse MMAction2's lazy mode (crops and resizes recorded and applied later by `Fuse`), not supported."""
    if lazy is not False:
        raise ValueError(f"{owner}: lazy must be False, got {lazy!r} (lazy mode and Fuse are not supported; "
                         f"drop the lazy argument)")


def check_fits(crop_size: tuple[int, int], img_hw: tuple[int, int], owner: str) -> None:
    """Raise a ValueError naming both sizes when a crop (w, h) does not fit in an image (h, w)."""
    crop_w, crop_h = crop_size
    img_h, img_w = img_hw
    if crop_w > img_w or crop_h > img_h:
        raise ValueError(f"{owner}: the crop (w={crop_w}, h={crop_h}) is larger than the image "
                         f"(w={img_w}, h={img_h}); resize the frames first")
