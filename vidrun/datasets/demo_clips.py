"""Rendering the demo set's clips: a shape moving across a textured background.

A clip's class is its shape (appearance) and the direction it moves (motion). Start positions are drawn so
that every frame of a left-moving clip is distributed exactly like a frame of a right-moving one: a single
frame, or an average over frames, cannot tell the direction, and only a model that compares frames in time can.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SHAPES = ("circle", "square", "triangle")
DIRECTIONS = ("left", "right")
CLASSES = tuple(f"{shape}_moving_{direction}" for shape in SHAPES for direction in DIRECTIONS)


@dataclass(frozen=True)
class ClipSpec:
    """The look of every clip: frame size (square), frame count and the object's travel per frame."""
    size: int = 64
    num_frames: int = 16
    speed: tuple[float, float] = (1.5, 2.5)     # pixels per frame
    radius: tuple[float, float] = (7.0, 11.0)   # pixels

    def __post_init__(self):
        if self.num_frames < 2:
            raise ValueError(f"a clip needs at least 2 frames to show motion, got num_frames={self.num_frames}")
        if self.size % 2:
            raise ValueError(f"size must be even (H.264 in yuv420p halves both sides), got {self.size}")
        needed = math.ceil(2 * self.radius[1] + 3 + self.speed[1] * (self.num_frames - 1))
        needed += needed % 2
        if self.size < needed:
            raise ValueError(f"a {self.size}-pixel frame is too small for {self.num_frames} frames of motion: "
                             f"the fastest, largest shape needs size >= {needed}; raise size or lower "
                             f"num_frames")


def label_of(shape: str, direction: str) -> int:
    return SHAPES.index(shape) * len(DIRECTIONS) + DIRECTIONS.index(direction)


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A smooth colour gradient with fixed grain: texture that does not move."""
    corners = rng.uniform(20, 110, size=(2, 2, 3))
    t = np.linspace(0.0, 1.0, size)[:, None, None]
    s = np.linspace(0.0, 1.0, size)[None, :, None]
    top = corners[0, 0] * (1 - s) + corners[0, 1] * s
    bottom = corners[1, 0] * (1 - s) + corners[1, 1] * s
    return top * (1 - t) + bottom * t + rng.normal(0.0, 6.0, size=(size, size, 1))


def _mask(shape: str, ys: np.ndarray, xs: np.ndarray, cy: float, cx: float, r: float) -> np.ndarray:
    if shape == "circle":
        return (ys - cy) ** 2 + (xs - cx) ** 2 <= r * r
    if shape == "square":
        half = 0.85 * r
        return (np.abs(ys - cy) <= half) & (np.abs(xs - cx) <= half)
    top = cy - r  # an upright isosceles triangle of height 2r
    return (ys >= top) & (ys <= cy + r) & (np.abs(xs - cx) <= (ys - top) * 0.6)


def render_clip(rng: np.random.Generator, shape: str, direction: str, spec: ClipSpec) -> np.ndarray:
    """[num_frames, size, size, 3] uint8 RGB frames of `shape` moving `direction`."""
    size, frames = spec.size, spec.num_frames
    r = rng.uniform(*spec.radius)
    travel = rng.uniform(*spec.speed) * (frames - 1)
    sign = 1.0 if direction == "right" else -1.0
    start = rng.uniform(r + 1, size - r - 2 - travel)  # ClipSpec checked that this range is not empty
    xs0 = start if sign > 0 else start + travel
    cy = rng.uniform(r + 1, size - r - 2) + rng.normal(0, 0.5, size=frames).cumsum()
    colour = rng.uniform(150, 255, size=3)
    background = _background(rng, size)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    clip = np.empty((frames, size, size, 3), dtype=np.uint8)
    for t in range(frames):
        cx = xs0 + sign * travel * t / (frames - 1)
        frame = background + rng.normal(0.0, 3.0, size=(size, size, 1))
        frame[_mask(shape, ys, xs, float(np.clip(cy[t], r, size - r - 1)), cx, r)] = colour
        clip[t] = np.clip(frame, 0, 255).astype(np.uint8)
    return clip
