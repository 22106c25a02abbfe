"""`ColorJitter`: MMAction2 0.24's random brightness, contrast, saturation and hue, computed pixel for pixel as
MMAction2 computes them, over the whole frame stack at once."""
from __future__ import annotations

import math

import cv2
import numpy as np

from vidrun.datasets.pipelines.image_ops import like_input, stack_frames
from vidrun.datasets.registries import PIPELINES

# The grey level MMAction2 blends with: 0.2989 R + 0.587 G + 0.114 B, summed left to right in float32.
GREY_WEIGHTS = (0.2989, 0.587, 0.114)
CHUNK = 1  # frames jittered together


def _factor_range(value: object, name: str, centre: float, lowest: float, highest: float) -> tuple[float, float]:
    """A jitter argument as the range (low, high) its factor is drawn from, within [lowest, highest].

    A number v in [0, highest - centre] gives [max(lowest, centre - v), centre + v]; a pair is the range itself.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 0 <= value <= highest - centre:
            raise ValueError(f"ColorJitter: {name} must be in [0, {highest - centre}], got {value!r}")
        return max(lowest, centre - value), centre + value
    if (isinstance(value, (tuple, list)) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        if not lowest <= value[0] <= value[1] <= highest:
            raise ValueError(f"ColorJitter: {name} as a range (min, max) must satisfy "
                             f"{lowest} <= min <= max <= {highest}, got {value!r}")
        return value[0], value[1]
    raise TypeError(f"ColorJitter: {name} must be a number or a pair (min, max), got {value!r}")


def grey(imgs: np.ndarray) -> np.ndarray:
    """The grey level of float32 RGB frames [..., 3] as MMAction2 computes it (float32, same rounding)."""
    red, green, blue = GREY_WEIGHTS
    return red * imgs[..., 0] + green * imgs[..., 1] + blue * imgs[..., 2]


def adjust_contrast(imgs: np.ndarray, factor: float) -> np.ndarray:
    """Each float32 frame of [N, H, W, 3] blended with the mean of its grey level.

    MMAction2 ran on NumPy 1, where `(1 - factor) * mean` is a float64 scalar rounded to float32 when it is
    added to the float32 frame; the same two roundings are made here explicitly (NumPy 2 alone would compute it
    in float32).
    """
    means = grey(imgs).mean(axis=(1, 2))  # float32, the same value as np.mean frame by frame
    offsets = ((1.0 - factor) * means.astype(np.float64)).astype(np.float32)
    out = imgs * np.float32(factor)
    out += offsets[:, None, None, None]
    return out


def adjust_saturation(imgs: np.ndarray, factor: float) -> np.ndarray:
    """Each float32 pixel blended with its grey level: `factor * pixel + (1 - factor) * grey`."""
    out = imgs * np.float32(factor)
    out += (np.float32(1.0 - factor) * grey(imgs))[..., None]
    return out


def adjust_hue(imgs: np.ndarray, shift: float) -> np.ndarray:
    """Float frames clipped and truncated to uint8, turned in OpenCV's 8-bit HSV (hue in [0, 180)) by
    `int(shift * 255)` steps, and returned as float32: MMAction2's hue, including its arithmetic.

    MMAction2 adds the step to the uint8 hue under NumPy 1's rules: a positive step in uint8, which wraps at
    256 before the `% 180`; a negative one in int16, taken modulo 180 with Python's sign rule.
    """
    frames = np.clip(imgs, 0, 255).astype(np.uint8)
    n, h, w, _ = frames.shape
    hsv = cv2.cvtColor(frames.reshape(n * h, w, 3), cv2.COLOR_RGB2HSV)
    step = int(shift * 255)
    if step >= 0:
        hsv[..., 0] = (hsv[..., 0] + np.uint8(step)) % 180  # uint8: wraps at 256 as MMAction2's
    else:
        hsv[..., 0] = (hsv[..., 0].astype(np.int16) + step) % 180
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).reshape(n, h, w, 3).astype(np.float32)


@PIPELINES.register_module()
class ColorJitter:
    """Random brightness, contrast, saturation and hue changes, as MMAction2 0.24's `ColorJitter`.

    Args:
        brightness, contrast, saturation: a number b >= 0 draws the factor uniformly in [max(0, 1 - b), 1 + b];
            a pair (min, max) with 0 <= min <= max gives the range itself. Brightness multiplies the pixels;
            contrast blends each frame with the mean of its grey level (0.2989 R + 0.587 G + 0.114 B);
            saturation blends each pixel with its grey level.
        hue: a number h in [0, 0.5] draws a shift uniformly in [-h, h]; a pair (min, max) within [-0.5, 0.5]
            gives the range. The frames are turned by `int(shift * 255)` steps of OpenCV's 8-bit hue (2 degrees
            a step), so hue 0.1 turns pure red by 50 degrees, to (255, 213, 0).

    Random draws, from NumPy's global generator, as MMAction2's: the order of the four operations is drawn
    once, when the transform is built (`np.random.permutation(4)`, kept in `fn_idx`); each call draws the
    brightness, contrast, saturation and hue factors, in that order, four `np.random.uniform` calls, and
    applies them to every frame. Frames are RGB, 0-255; the computation is in float32, with no clipping
    between operations except that the hue change clips and truncates to uint8 first; at the end the frames
    are clipped to [0, 255] and truncated to uint8. An operation whose factor is neutral (1, or 0 for hue) is
    skipped.
    """

    def __init__(self, brightness: float | tuple[float, float] = 0.5, contrast: float | tuple[float, float] = 0.5,
                 saturation: float | tuple[float, float] = 0.5, hue: float | tuple[float, float] = 0.1):
        self.brightness = _factor_range(brightness, "brightness", 1, 0, math.inf)
        self.contrast = _factor_range(contrast, "contrast", 1, 0, math.inf)
        self.saturation = _factor_range(saturation, "saturation", 1, 0, math.inf)
        self.hue = _factor_range(hue, "hue", 0, -0.5, 0.5)
        self.fn_idx = np.random.permutation(4)

    def __call__(self, results: dict) -> dict:
        factors = [np.random.uniform(low=low, high=high)
                   for low, high in (self.brightness, self.contrast, self.saturation, self.hue)]
        stacked = stack_frames(results["imgs"])
        out = np.empty(stacked.shape, dtype=np.uint8)
        # A few frames at a time: the float32 copies stay in the CPU cache (a whole dense clip would not).
        for start in range(0, len(stacked), CHUNK):
            out[start:start + CHUNK] = self._jitter(stacked[start:start + CHUNK], *factors)
        results["imgs"] = like_input(out, results["imgs"])
        return results

    def _jitter(self, frames: np.ndarray, b: float, c: float, s: float, h: float) -> np.ndarray:
        imgs = frames.astype(np.float32)
        for fn_id in self.fn_idx:
            if fn_id == 0 and b != 1:
                imgs *= np.float32(b)
            elif fn_id == 1 and c != 1:
                imgs = adjust_contrast(imgs, c)
            elif fn_id == 2 and s != 1:
                imgs = adjust_saturation(imgs, s)
            elif fn_id == 3 and h != 0:
                imgs = adjust_hue(imgs, h)
        return np.clip(imgs, 0, 255, out=imgs).astype(np.uint8)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")
