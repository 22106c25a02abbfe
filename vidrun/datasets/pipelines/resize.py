"""`Resize`: rescale every frame of a sample to one new size (MMAction2 0.x semantics, mmcv's pixels)."""
from __future__ import annotations

import math

import numpy as np

from vidrun.datasets.pipelines.image_ops import INTERPOLATIONS, rescale_size, resize_frames
from vidrun.datasets.pipelines.lazy import check_lazy_flag, init_lazy, pending_record
from vidrun.datasets.registries import PIPELINES

__all__ = ["Resize", "rescale_size"]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@PIPELINES.register_module()
class Resize:
    """Resize all frames of a sample to one size: `cv2.resize` a frame, with mmcv's interpolation flags, so the
    pixels are MMAction2's; the frames go into one new stack [N, h, w, C] (an array, whatever `imgs` was).

    Args:
        scale: a number > 0 (a factor), or a pair (w, h). With `keep_ratio=True` a pair is a bound
            (see `rescale_size`); a -1 in the pair means "short side": `(-1, 256)` resizes the short side to
            256 and keeps the ratio. With `keep_ratio=False` the output is exactly (w, h); a -1 is then an
            error. A number scales both sides by the same factor whatever `keep_ratio` says.
        keep_ratio: keep the aspect ratio (see above).
        interpolation: 'nearest', 'bilinear', 'bicubic', 'area' or 'lanczos' (OpenCV's INTER_NEAREST,
            INTER_LINEAR, INTER_CUBIC, INTER_AREA, INTER_LANCZOS4, as `mmcv.imresize`).
        lazy: only record the resize (see `lazy.py`); `Fuse` applies it.

    Reads `imgs` and `img_shape` (or the first frame's size); writes `imgs`, `img_shape` = (h, w),
    `keep_ratio` and `scale_factor`, the float32 array [w_factor, h_factor] multiplied into any factor an
    earlier resize left there. The frames are not touched when the size does not change. `gt_bboxes` and
    `proposals` are not rescaled (not supported).
    """

    def __init__(self, scale: float | tuple[int, int], keep_ratio: bool = True,
                 interpolation: str = "bilinear", lazy: bool = False):
        self._target = self._parse_scale(scale, keep_ratio)
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"Resize: interpolation must be one of {', '.join(map(repr, INTERPOLATIONS))}, "
                             f"got {interpolation!r}")
        self.lazy = check_lazy_flag(lazy, "Resize")
        self.scale = scale
        self.keep_ratio = keep_ratio
        self.interpolation = interpolation

    @staticmethod
    def _parse_scale(scale: object, keep_ratio: object) -> float | tuple[float, float]:
        """The scale as used by `__call__`: a float factor, or a pair with -1 replaced by an unbounded long side."""
        if not isinstance(keep_ratio, bool):
            raise TypeError(f"Resize: keep_ratio must be a bool, got {keep_ratio!r}")
        if isinstance(scale, float):
            if not scale > 0 or math.isinf(scale):
                raise ValueError(f"Resize: scale must be a positive factor, got {scale!r}")
            return scale
        if not (isinstance(scale, (tuple, list)) and len(scale) == 2 and all(map(_is_number, scale))):
            raise TypeError(f"Resize: scale must be a float factor or a pair (w, h), got {scale!r} "
                            f"(an int is ambiguous: write 2.0 for a factor or (w, h) for a size)")
        if -1 in scale:
            if not keep_ratio:
                raise ValueError(f"Resize: scale {scale!r} with -1 (resize the short side) needs keep_ratio=True")
            if max(scale) <= 0:
                raise ValueError(f"Resize: scale {scale!r} must give the short side as a positive number")
            return (math.inf, float(max(scale)))
        if min(scale) <= 0 or (not keep_ratio and not all(isinstance(v, int) for v in scale)):
            raise ValueError(f"Resize: scale must be a pair of positive sizes (w, h) (ints when keep_ratio=False) "
                             f"or contain -1, got {scale!r}")
        return (float(scale[0]), float(scale[1]))

    def __call__(self, results: dict) -> dict:
        init_lazy(results, self.lazy, "Resize")
        img_h, img_w = results["img_shape"]
        if self.keep_ratio or isinstance(self._target, float):
            new_w, new_h = rescale_size((img_w, img_h), self._target)
        else:
            new_w, new_h = int(self._target[0]), int(self._target[1])
        if new_w <= 0 or new_h <= 0:
            raise ValueError(f"Resize: scale {self.scale!r} turns an image (w={img_w}, h={img_h}) into "
                             f"(w={new_w}, h={new_h})")
        if self.lazy:
            pending_record(results, "Resize")["interpolation"] = self.interpolation
        elif (new_w, new_h) != (img_w, img_h):
            results["imgs"] = resize_frames(results["imgs"], (new_w, new_h), self.interpolation)
        factor = np.array([new_w / img_w, new_h / img_h], dtype=np.float32)
        results["scale_factor"] = results.get("scale_factor", np.ones(2, dtype=np.float32)) * factor
        results["img_shape"] = (new_h, new_w)
        results["keep_ratio"] = self.keep_ratio
        return results

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(scale={self.scale!r}, keep_ratio={self.keep_ratio}, "
                f"interpolation={self.interpolation!r}, lazy={self.lazy})")
