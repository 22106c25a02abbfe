"""imgaug's geometric augmenters on OpenCV: `Affine`, `Rotate`, `ShearX`, `ShearY`, `TranslateX`, `TranslateY`,
`Fliplr`, `Flipud`.

The affine matrix is built as imgaug builds it (float32; about the image centre with imgaug's half-pixel
shift; rotation, then scale, then shear, then translation; angles in degrees, positive rotation clockwise on
screen; shear enters as `tanh` of the angle, as imgaug's current code has it) and applied with
`cv2.warpAffine` (bilinear by default, a constant border `cval`), which is imgaug's own back-end for uint8.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from vidrun.datasets.pipelines.augmenters.base import Augmenter
from vidrun.datasets.pipelines.augmenters.params import continuous, probability, refuse_unless

ORDERS = {0: cv2.INTER_NEAREST, 1: cv2.INTER_LINEAR, 3: cv2.INTER_CUBIC}


def _xy(value: object, name: str, neutral: float) -> tuple:
    """imgaug's per-axis argument: a dict {'x': ..., 'y': ...} (a missing axis is neutral) or one value for both
    axes (drawn once and used for both, as imgaug does for `scale` and `translate_percent`)."""
    if isinstance(value, dict):
        unknown = set(value) - {"x", "y"}
        if unknown:
            raise ValueError(f"{name}: a dict takes the keys 'x' and 'y', got {sorted(unknown)}")
        return continuous(value.get("x", neutral), name), continuous(value.get("y", neutral), name), False
    draw = continuous(value, name)
    return draw, draw, True


def affine_matrix(height: int, width: int, scale: tuple[float, float], translate_px: tuple[float, float],
                  rotate: float, shear: tuple[float, float]) -> np.ndarray:
    """The 3×3 float32 matrix mapping input to output pixel coordinates, composed in imgaug's order."""
    rad, shear_x, shear_y = math.radians(rotate), math.radians(shear[0]), math.radians(shear[1])
    steps = [
        [[1, 0, -width / 2], [0, 1, -height / 2]],
        [[1, 0, 0.5], [0, 1, 0.5]],
        [[math.cos(rad), -math.sin(rad), 0], [math.sin(rad), math.cos(rad), 0]],
        [[scale[0], 0, 0], [0, scale[1], 0]],
        [[1, math.tanh(-shear_x), 0], [math.tanh(shear_y), 1, 0]],
        [[1, 0, translate_px[0]], [0, 1, translate_px[1]]],
        [[1, 0, -0.5], [0, 1, -0.5]],
        [[1, 0, width / 2], [0, 1, height / 2]],
    ]
    matrix = np.eye(3, dtype=np.float32)
    for step in steps:
        matrix = np.matmul(np.array(step + [[0, 0, 1]], dtype=np.float32), matrix)
    return matrix


class Affine(Augmenter):
    """imgaug's `Affine(scale, translate_percent, translate_px, rotate, shear, order, cval, mode)`: one draw
    of each parameter a sample. `mode` must be 'constant' and `fit_output` False."""

    def __init__(self, scale: object = 1.0, translate_percent: object = None, translate_px: object = None,
                 rotate: object = 0.0, shear: object = 0.0, order: int = 1, cval: object = 0,
                 mode: str = "constant", fit_output: bool = False, backend: str = "auto"):
        refuse_unless(type(self).__name__, mode=(mode, "constant"), fit_output=(fit_output, False))
        if order not in ORDERS:
            raise ValueError(f"{type(self).__name__}: order must be 0, 1 or 3, got {order!r}")
        if translate_percent is not None and translate_px is not None:
            raise ValueError(f"{type(self).__name__}: give translate_percent or translate_px, not both")
        self._scale = _xy(scale, "scale", 1.0)
        self._percent = translate_percent is not None
        self._translate = _xy(translate_percent if self._percent else (translate_px or 0), "translate", 0.0)
        self._rotate = continuous(rotate, "rotate")
        # imgaug: a single number shears along x only; a tuple or list draws one angle for both axes.
        self._shear = (_xy({"x": shear}, "shear", 0.0) if isinstance(shear, (int, float)) and
                       not isinstance(shear, bool) else _xy(shear, "shear", 0.0))
        self._cval = continuous(cval, "cval")
        self.order = order

    @staticmethod
    def _draw(axes: tuple) -> tuple[float, float]:
        draw_x, draw_y, shared = axes
        x = draw_x()
        return (x, x) if shared else (x, draw_y())

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        _, height, width, _ = imgs.shape
        scale, translate = self._draw(self._scale), self._draw(self._translate)
        if self._percent:
            translate = (translate[0] * width, translate[1] * height)
        matrix = affine_matrix(height, width, scale, translate, self._rotate(), self._draw(self._shear))
        cval = tuple(self._cval() for _ in range(3)) + (0,)  # a value a channel, as imgaug draws it
        return np.stack([cv2.warpAffine(frame, matrix[:2], (width, height), flags=ORDERS[self.order],
                                        borderMode=cv2.BORDER_CONSTANT, borderValue=cval)
                         for frame in imgs])


class Rotate(Affine):
    """imgaug's `Rotate(rotate=(-30, 30))`: degrees, positive clockwise."""

    def __init__(self, rotate: object = (-30, 30), order: int = 1, cval: object = 0, mode: str = "constant",
                 fit_output: bool = False, backend: str = "auto"):
        super().__init__(rotate=rotate, order=order, cval=cval, mode=mode, fit_output=fit_output)


class ShearX(Affine):
    """imgaug's `ShearX(shear=(-30, 30))`: degrees along x."""

    def __init__(self, shear: object = (-30, 30), order: int = 1, cval: object = 0, mode: str = "constant",
                 fit_output: bool = False, backend: str = "auto"):
        super().__init__(shear={"x": shear}, order=order, cval=cval, mode=mode, fit_output=fit_output)


class ShearY(Affine):
    """imgaug's `ShearY(shear=(-30, 30))`: degrees along y."""

    def __init__(self, shear: object = (-30, 30), order: int = 1, cval: object = 0, mode: str = "constant",
                 fit_output: bool = False, backend: str = "auto"):
        super().__init__(shear={"y": shear}, order=order, cval=cval, mode=mode, fit_output=fit_output)


def _translation(axis: str, percent: object, px: object) -> dict:
    if percent is None and px is None:
        percent = (-0.25, 0.25)
    return dict(translate_percent={axis: percent}) if percent is not None else dict(translate_px={axis: px})


class TranslateX(Affine):
    """imgaug's `TranslateX(percent=None, px=None)`: a fraction of the width or pixels (default ±25 %)."""

    def __init__(self, percent: object = None, px: object = None, order: int = 1, cval: object = 0,
                 mode: str = "constant", fit_output: bool = False, backend: str = "auto"):
        super().__init__(**_translation("x", percent, px), order=order, cval=cval, mode=mode,
                         fit_output=fit_output)


class TranslateY(Affine):
    """imgaug's `TranslateY(percent=None, px=None)`: a fraction of the height or pixels (default ±25 %)."""

    def __init__(self, percent: object = None, px: object = None, order: int = 1, cval: object = 0,
                 mode: str = "constant", fit_output: bool = False, backend: str = "auto"):
        super().__init__(**_translation("y", percent, px), order=order, cval=cval, mode=mode,
                         fit_output=fit_output)


class Fliplr(Augmenter):
    """Mirror left-right with probability `p` (one draw a sample)."""

    def __init__(self, p: float = 1.0):
        self._p = probability(p, "Fliplr: p")

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(imgs[:, :, ::-1]) if self._p() else imgs


class Flipud(Augmenter):
    """Mirror top-bottom with probability `p` (one draw a sample)."""

    def __init__(self, p: float = 1.0):
        self._p = probability(p, "Flipud: p")

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(imgs[:, ::-1]) if self._p() else imgs
