"""`ColorJitter`: torchvision-style random brightness, contrast, saturation and hue, one draw a sample."""
from __future__ import annotations

import math

import numpy as np

from vidrun.datasets.pipelines.image_ops import like_input, stack_frames
from vidrun.datasets.registries import PIPELINES

# ITU-R 601-2 luma, as PIL's "L" conversion.
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


# The conversions work on separate contiguous channel planes: reductions and strided access along a length-3
# last axis are several times slower, and a hue shift splits and restacks the channels only once.
def _hsv_planes(r: np.ndarray, g: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    maxc = np.maximum(np.maximum(r, g), b)
    chroma = maxc - np.minimum(np.minimum(r, g), b)
    grey = chroma == 0
    sat = chroma / np.where(grey, 1, maxc)
    divisor = np.where(grey, 1, chroma)
    rc, gc, bc = (maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor
    # The channel holding the maximum picks the hue sextant; ties go to red, then green (as torchvision).
    is_r = maxc == r
    is_g = (maxc == g) & ~is_r
    is_b = ~is_g & ~is_r
    hue = (is_r * (bc - gc) + is_g * (2.0 + rc - bc) + is_b * (4.0 + gc - rc)) / 6.0
    hue[hue < 0] += 1.0  # hue / 6 lies in [-1/6, 5/6]: the same as torchvision's fmod(hue / 6 + 1, 1)
    return hue, sat, maxc


def _rgb_planes(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sextant = np.floor(h * 6.0)
    frac = h * 6.0 - sextant
    sextant = sextant.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0, 1)
    q = np.clip(v * (1.0 - s * frac), 0, 1)
    t = np.clip(v * (1.0 - s * (1.0 - frac)), 0, 1)
    return (np.choose(sextant, [v, q, p, p, t, v]), np.choose(sextant, [t, v, v, q, p, p]),
            np.choose(sextant, [p, p, t, v, v, q]))


def _planes(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.moveaxis(img, -1, 0))


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """RGB in [0, 1] (last axis) to HSV in [0, 1] (hue as a fraction of a turn; 0 for grey pixels), vectorised
    as torchvision's `_rgb2hsv`."""
    return np.stack(_hsv_planes(*_planes(rgb)), axis=-1).astype(rgb.dtype, copy=False)


def hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    """HSV in [0, 1] (last axis) to RGB in [0, 1]; the inverse of `rgb_to_hsv` (torchvision's `_hsv2rgb`)."""
    return np.stack(_rgb_planes(*_planes(hsv)), axis=-1).astype(hsv.dtype, copy=False)


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
        return float(value[0]), float(value[1])
    raise TypeError(f"ColorJitter: {name} must be a number or a pair (min, max), got {value!r}")


def _blend(imgs: np.ndarray, other: np.ndarray | float, factor: float) -> np.ndarray:
    """`factor * imgs + (1 - factor) * other`, clipped to [0, 255] (torchvision's `_blend`)."""
    return np.clip(factor * imgs + (1.0 - factor) * other, 0, 255)


def _shift_hue(imgs: np.ndarray, shift: float) -> np.ndarray:
    """Frames (0-255) with their hue turned by `shift` (a fraction of a turn, in [-0.5, 0.5])."""
    hue, sat, val = _hsv_planes(*_planes(imgs / 255.0))
    hue = np.mod(hue + shift, 1.0)
    return np.stack(_rgb_planes(hue, sat, val), axis=-1) * 255.0


@PIPELINES.register_module()
class ColorJitter:
    """Random brightness, contrast, saturation and hue changes, torchvision's `ColorJitter` on a frame stack.

    Args:
        brightness, contrast, saturation: a number b >= 0 draws the factor uniformly in [max(0, 1 - b), 1 + b];
            a pair (min, max) with 0 <= min <= max gives the range itself. Brightness multiplies the pixels;
            contrast blends each frame with the mean of its grayscale (ITU-R 601-2 luma); saturation blends
            each pixel with its grayscale.
        hue: a number h in [0, 0.5] draws a shift uniformly in [-h, h] (a fraction of a turn of the colour
            wheel); a pair (min, max) within [-0.5, 0.5] gives the range. The hue rotates in HSV.

    One set of factors and one order of the four operations (`np.random.permutation(4)`) is drawn a sample,
    from NumPy's global generator (factors first, in the order above, then the order), and applied to all
    frames. Frames are RGB, 0-255; the computation is in float32, clipped to [0, 255] after each operation, and
    rounded to uint8 at the end. An operation whose factor is neutral is skipped, so zero ranges give back the
    input's values.
    """

    def __init__(self, brightness: float | tuple[float, float] = 0.5, contrast: float | tuple[float, float] = 0.5,
                 saturation: float | tuple[float, float] = 0.5, hue: float | tuple[float, float] = 0.1):
        self._ranges = [_factor_range(brightness, "brightness", 1.0, 0.0, math.inf),
                        _factor_range(contrast, "contrast", 1.0, 0.0, math.inf),
                        _factor_range(saturation, "saturation", 1.0, 0.0, math.inf),
                        _factor_range(hue, "hue", 0.0, -0.5, 0.5)]
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.hue = hue

    def __call__(self, results: dict) -> dict:
        b, c, s, h = (float(np.random.uniform(low, high)) for low, high in self._ranges)
        order = np.random.permutation(4)
        imgs = stack_frames(results["imgs"]).astype(np.float32)
        for op in order:
            if op == 0 and b != 1:
                imgs = np.clip(imgs * b, 0, 255)
            elif op == 1 and c != 1:
                means = (imgs @ LUMA).mean(axis=(1, 2))[:, None, None, None]
                imgs = _blend(imgs, means, c)
            elif op == 2 and s != 1:
                imgs = _blend(imgs, (imgs @ LUMA)[..., None], s)
            elif op == 3 and h != 0:
                imgs = _shift_hue(imgs, h)
        out = np.clip(np.rint(imgs), 0, 255).astype(np.uint8)
        results["imgs"] = like_input(out, results["imgs"])
        return results

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(brightness={self.brightness!r}, contrast={self.contrast!r}, "
                f"saturation={self.saturation!r}, hue={self.hue!r})")
