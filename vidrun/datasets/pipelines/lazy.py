"""MMAction2's lazy mode: geometric transforms with `lazy=True` only record what they would do, and `Fuse`
does it once (crop, then resize, then flip) on the original frames.

The record is `results['lazy']`, a dict as MMAction2 keeps it: `original_shape` (h, w) of the frames,
`crop_bbox` (float32 [x1, y1, x2, y2] in original pixels, the composition of every lazy crop so far),
`interpolation` (the last lazy resize's, None before one), `flip` and `flip_direction`. `img_shape` follows the
transforms as in eager mode, so the crop sizes and the resize target are those eager mode would use; only the
pixels are computed once, from the original frames, and so differ slightly from eager mode's.
"""
from __future__ import annotations

import numpy as np

from vidrun.datasets.pipelines.image_ops import crop_frames, flip_frames, image_shape, resize_frames
from vidrun.datasets.registries import PIPELINES


def check_lazy_flag(lazy: object, owner: str) -> bool:
    """`lazy` as a bool, or a TypeError naming `owner`."""
    if not isinstance(lazy, bool):
        raise TypeError(f"{owner}: lazy must be a bool, got {lazy!r}")
    return lazy


def init_lazy(results: dict, lazy: bool, owner: str) -> None:
    """Set `img_shape` from the frames when absent; in lazy mode start the record (once), in eager mode make
    sure no lazy record is pending (an eager transform after lazy ones would work on frames that are not yet
    what `img_shape` says)."""
    if "img_shape" not in results:
        results["img_shape"] = image_shape(results)
    if lazy:
        if "lazy" not in results:
            img_h, img_w = results["img_shape"]
            results["lazy"] = dict(original_shape=(img_h, img_w),
                                   crop_bbox=np.array([0, 0, img_w, img_h], dtype=np.float32),
                                   flip=False, flip_direction=None, interpolation=None)
    elif "lazy" in results:
        raise ValueError(f"{owner}: lazy transforms came before this eager one; put Fuse before {owner} "
                         f"(or give it lazy=True)")


def pending_record(results: dict, owner: str) -> dict:
    """The lazy record, or an error when a lazy Flip is already in it (MMAction2 wants Flip last)."""
    record = results["lazy"]
    if record["flip"]:
        raise NotImplementedError(f"{owner}: a lazy Flip came before this lazy {owner}; put Flip last")
    return record


def record_crop(results: dict, bbox: tuple[int, int, int, int], img_hw: tuple[int, int], owner: str) -> None:
    """Compose a crop `bbox` of the current (h, w) = `img_hw` frames into the record's `crop_bbox`.

    The current frames are the recorded box scaled to `img_hw`, so the new box in original pixels is the old
    box's corner plus `bbox` scaled back: x · box width / img_w, y · box height / img_h, in that order. The
    width and height are float32 differences and the rest float64, stored as float32: what MMAction2 0.24's
    arithmetic gave under NumPy 1.x.
    """
    record = pending_record(results, owner)
    box = record["crop_bbox"]
    # NumPy 1.x: the box's width and height as float32 differences, then Python-int arithmetic in float64
    width, height = float(box[2] - box[0]), float(box[3] - box[1])
    left, top = float(box[0]), float(box[1])
    img_h, img_w = img_hw
    x1, y1, x2, y2 = bbox
    record["crop_bbox"] = np.array([left + x1 * width / img_w, top + y1 * height / img_h,
                                    left + x2 * width / img_w, top + y2 * height / img_h], dtype=np.float32)


@PIPELINES.register_module()
class Fuse:
    """Apply what lazy transforms recorded: cut the original frames to the record's `crop_bbox` (rounded half to
    even), resize the crop to `img_shape` with the last lazy resize's interpolation ('bilinear' if none), then
    mirror if a lazy Flip said so. Writes `imgs` (a new frame stack) and removes `lazy`; a sample with no lazy
    record is an error."""

    def __call__(self, results: dict) -> dict:
        if "lazy" not in results:
            raise ValueError("Fuse: no lazy transform came before it (give the geometric transforms lazy=True)")
        record = results.pop("lazy")
        left, top, right, bottom = (int(v) for v in np.round(record["crop_bbox"]))
        imgs = crop_frames(results["imgs"], (left, top, right, bottom))
        img_h, img_w = results["img_shape"]
        imgs = resize_frames(imgs, (int(img_w), int(img_h)), record["interpolation"] or "bilinear")
        if record["flip"]:
            imgs = flip_frames(imgs, record["flip_direction"], in_place=True)
        results["imgs"] = imgs
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
