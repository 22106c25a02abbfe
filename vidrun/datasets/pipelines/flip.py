"""`Flip`: mirror all frames of a sample, or none, with a given probability (MMAction2 0.x)."""
from __future__ import annotations

import numpy as np

from vidrun.datasets.pipelines.image_ops import can_flip_in_place, flip_frames
from vidrun.datasets.pipelines.lazy import check_lazy_flag, init_lazy
from vidrun.datasets.registries import PIPELINES

DIRECTIONS = ("horizontal", "vertical")


def _is_label(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


@PIPELINES.register_module()
class Flip:
    """Flip every frame when `np.random.rand() < flip_ratio` (one draw a sample, from NumPy's global generator).

    Args:
        flip_ratio: probability of flipping, in [0, 1].
        direction: 'horizontal' (left-right) or 'vertical' (top-bottom).
        flip_label_map: {label: label} applied to `results['label']` when flipped, for classes that name a
            direction (Something-Something's "moving left" ↔ "moving right"); labels not in it, and labels
            that are not a single int (multi-label), are kept. Give both directions of a swap.
        left_kp, right_kp: MMAction2's keypoint options; only their default None is accepted (not supported).
        lazy: only record the decision (see `lazy.py`); `Fuse` mirrors the frames.

    The pixels are `cv2.flip`'s, as `mmcv.imflip_`. A frame stack that owns its memory (what `Resize` writes) is
    mirrored in place, as MMAction2 mirrors its frames; other frames (a list, crop views) are copied into a new
    stack. With `results['modality'] == 'Flow'` (x and y flow frames alternating, x first) the direction must be
    horizontal and the mirrored x frames are also inverted (`255 - x`), as MMAction2 does. Writes `imgs` (left
    as they are when not flipped), `flip`, `flip_direction` and `img_shape` (unchanged). `gt_bboxes` and
    `proposals` are not flipped (not supported).
    """

    def __init__(self, flip_ratio: float = 0.5, direction: str = "horizontal",
                 flip_label_map: dict | None = None, left_kp: None = None, right_kp: None = None,
                 lazy: bool = False):
        if isinstance(flip_ratio, bool) or not isinstance(flip_ratio, (int, float)) or not 0 <= flip_ratio <= 1:
            raise ValueError(f"Flip: flip_ratio must be a number in [0, 1], got {flip_ratio!r}")
        if direction not in DIRECTIONS:
            raise ValueError(f"Flip: direction must be one of {', '.join(map(repr, DIRECTIONS))}, "
                             f"got {direction!r}")
        if flip_label_map is not None and not (isinstance(flip_label_map, dict) and all(
                _is_label(k) and _is_label(v) for k, v in flip_label_map.items())):
            raise TypeError(f"Flip: flip_label_map must be None or a dict from int labels to int labels, "
                            f"got {flip_label_map!r}")
        for name, value in (("left_kp", left_kp), ("right_kp", right_kp)):
            if value is not None:
                raise ValueError(f"Flip: {name} must be None, got {value!r} (keypoint flipping is not supported)")
        self.lazy = check_lazy_flag(lazy, "Flip")
        self.flip_ratio = flip_ratio
        self.direction = direction
        self.flip_label_map = flip_label_map

    def __call__(self, results: dict) -> dict:
        init_lazy(results, self.lazy, "Flip")
        flow = results.get("modality") == "Flow"
        if flow and self.direction != "horizontal":
            raise ValueError(f"Flip: flow frames can only be flipped horizontally, got direction "
                             f"{self.direction!r}")
        flip = bool(np.random.rand() < self.flip_ratio)
        if flip and self.flip_label_map is not None and _is_label(results.get("label")):
            results["label"] = self.flip_label_map.get(results["label"], results["label"])
        if self.lazy:
            record = results["lazy"]
            if record["flip"]:
                raise NotImplementedError("Flip: a lazy Flip came before this one; use one Flip")
            record["flip"], record["flip_direction"] = flip, self.direction
        elif flip:
            imgs = results["imgs"]
            imgs = flip_frames(imgs, self.direction, in_place=can_flip_in_place(imgs))
            if flow:
                imgs[0::2] = 255 - imgs[0::2]  # mirroring negates horizontal motion
            results["imgs"] = imgs
        results["flip"] = flip
        results["flip_direction"] = self.direction
        return results

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(flip_ratio={self.flip_ratio}, direction={self.direction!r}, "
                f"flip_label_map={self.flip_label_map!r}, lazy={self.lazy})")
