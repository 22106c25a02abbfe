"""imgaug's pixel augmenters: `Posterize`, `Solarize`, `Invert`, `Dropout`, `Cutout` in NumPy, and imgaug's
`pillike` ones (`EnhanceColor`, `EnhanceContrast`, `EnhanceBrightness`, `EnhanceSharpness`, `Autocontrast`,
`Equalize`) through Pillow, whose outputs imgaug's reproduce. One parameter draw a sample; operations that
read image statistics (contrast, autocontrast, equalize) read each frame's own, as imgaug does per image.
"""
from __future__ import annotations

import numpy as np

from vidrun.datasets.pipelines.augmenters.base import Augmenter
from vidrun.datasets.pipelines.augmenters.params import continuous, discrete, probability, refuse_unless
from vidrun.utils.lazy_module import lazy_module

# Pillow is imported when an augmenter first runs (about 0.1 s that most runs never need)
Image = lazy_module("PIL.Image")
ImageEnhance = lazy_module("PIL.ImageEnhance")
ImageOps = lazy_module("PIL.ImageOps")


class Posterize(Augmenter):
    """Keep the `nb_bits` highest bits of every channel value (imgaug's `Posterize`, PIL's `posterize`)."""

    def __init__(self, nb_bits: object = (1, 8)):
        self._bits = discrete(nb_bits, "Posterize: nb_bits")

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        bits = min(max(self._bits(), 1), 8)
        return imgs & np.uint8((0xFF << (8 - bits)) & 0xFF)


def _lut(imgs: np.ndarray, table: np.ndarray) -> np.ndarray:
    return table[imgs]


class Invert(Augmenter):
    """With probability `p`, v -> 255 - v; with a `threshold`, only values >= int(threshold) (or below it, as
    `invert_above_threshold`, a probability, draws) are inverted."""

    def __init__(self, p: float = 1, per_channel: bool = False, min_value: object = None, max_value: object = None,
                 threshold: object = None, invert_above_threshold: object = 0.5):
        owner = type(self).__name__
        refuse_unless(owner, per_channel=(per_channel, False), min_value=(min_value, None),
                      max_value=(max_value, None))
        self._p = probability(p, f"{owner}: p")
        self._threshold = None if threshold is None else continuous(threshold, f"{owner}: threshold")
        self._above = probability(invert_above_threshold, f"{owner}: invert_above_threshold")

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        if not self._p():
            return imgs
        table = np.arange(255, -1, -1, dtype=np.uint8)
        if self._threshold is not None:
            cut = min(max(int(self._threshold()), 0), 256)
            identity = np.arange(256, dtype=np.uint8)
            table = (np.concatenate([identity[:cut], table[cut:]]) if self._above() else
                     np.concatenate([table[:cut], identity[cut:]]))
        return _lut(imgs, table)


class Solarize(Invert):
    """Invert the values >= int(threshold) (imgaug's `Solarize`; threshold drawn in (64, 192) by default)."""

    def __init__(self, p: float = 1, per_channel: bool = False, min_value: object = None, max_value: object = None,
                 threshold: object = (128 - 64, 128 + 64), invert_above_threshold: object = True):
        super().__init__(p, per_channel, min_value, max_value, threshold, invert_above_threshold)


class Dropout(Augmenter):
    """Set a random fraction `p` of the pixels to 0 (all channels; `p` drawn a sample, the same pixels in every
    frame, as imgaug's deterministic mode gives)."""

    def __init__(self, p: object = (0.0, 0.05), per_channel: bool = False):
        refuse_unless("Dropout", per_channel=(per_channel, False))
        self._p = continuous(p, "Dropout: p")

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        rate = self._p()
        keep = np.random.random(imgs.shape[1:3]) >= rate
        return imgs * keep[None, :, :, None].astype(np.uint8)


class Cutout(Augmenter):
    """Fill `nb_iterations` boxes with `cval` (imgaug's `Cutout`): centre uniform over the frame, height
    `size` × frame height and width `size` × frame width (`squared`: the width equals the height in pixels),
    corners truncated to ints and clipped to the frame. Only `position='uniform'` and `fill_mode='constant'`."""

    def __init__(self, nb_iterations: object = 1, position: str = "uniform", size: object = 0.2,
                 squared: object = True, fill_mode: str = "constant", cval: object = 128,
                 fill_per_channel: object = False):
        refuse_unless("Cutout", position=(position, "uniform"), fill_mode=(fill_mode, "constant"),
                      fill_per_channel=(fill_per_channel, False))
        self._iterations = discrete(nb_iterations, "Cutout: nb_iterations")
        self._size = continuous(size, "Cutout: size")
        self._squared = probability(squared, "Cutout: squared")
        self._cval = continuous(cval, "Cutout: cval")

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        _, height, width, _ = imgs.shape
        out = imgs
        for _ in range(self._iterations()):
            x, y = np.random.random(2)
            box_h, box_w = self._size() * height, self._size() * width
            if self._squared():
                box_w = box_h
            x1, x2 = (min(max(int(v), 0), width) for v in (x * width - box_w / 2, x * width + box_w / 2))
            y1, y2 = (min(max(int(v), 0), height) for v in (y * height - box_h / 2, y * height + box_h / 2))
            if x2 > x1 and y2 > y1:
                out = out.copy() if out is imgs else out
                out[:, y1:y2, x1:x2] = np.uint8(np.clip(self._cval(), 0, 255))
        return out


def _per_frame(imgs: np.ndarray, operation) -> np.ndarray:
    return np.stack([np.asarray(operation(Image.fromarray(frame))) for frame in imgs])


class _Enhance(Augmenter):
    ENHANCER = ImageEnhance.Color
    DEFAULT = (0.0, 3.0)

    def __init__(self, factor: object = None):
        self._factor = continuous(self.DEFAULT if factor is None else factor, f"{type(self).__name__}: factor")

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        factor = self._factor()
        return _per_frame(imgs, lambda image: self.ENHANCER(image).enhance(factor))


class EnhanceColor(_Enhance):
    """PIL's `ImageEnhance.Color` (saturation), `factor` drawn in (0, 3) by default."""


class EnhanceContrast(_Enhance):
    """PIL's `ImageEnhance.Contrast`, `factor` drawn in (0.5, 1.5) by default."""
    ENHANCER = ImageEnhance.Contrast
    DEFAULT = (0.5, 1.5)


class EnhanceBrightness(_Enhance):
    """PIL's `ImageEnhance.Brightness`, `factor` drawn in (0.5, 1.5) by default."""
    ENHANCER = ImageEnhance.Brightness
    DEFAULT = (0.5, 1.5)


class EnhanceSharpness(_Enhance):
    """PIL's `ImageEnhance.Sharpness`, `factor` drawn in (0, 2) by default."""
    ENHANCER = ImageEnhance.Sharpness
    DEFAULT = (0.0, 2.0)


class Autocontrast(Augmenter):
    """PIL's `ImageOps.autocontrast(cutoff)`, each frame by its own histogram; `cutoff` (percent) drawn in
    [0, 20] by default."""

    def __init__(self, cutoff: object = (0, 20), per_channel: bool = False):
        refuse_unless("Autocontrast", per_channel=(per_channel, False))
        self._cutoff = discrete(cutoff, "Autocontrast: cutoff")

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        cutoff = self._cutoff()
        return _per_frame(imgs, lambda image: ImageOps.autocontrast(image, cutoff=cutoff))


class Equalize(Augmenter):
    """PIL's `ImageOps.equalize`, each frame by its own histogram."""

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        return _per_frame(imgs, ImageOps.equalize)
