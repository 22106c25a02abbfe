"""`Normalize`: per-channel mean/std normalisation of RGB frames into a float32 stack (MMAction2 0.x)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vidrun.datasets.pipelines.image_ops import stack_frames
from vidrun.datasets.registries import PIPELINES


def _channel_values(value: object, name: str) -> np.ndarray:
    if not (isinstance(value, (tuple, list, np.ndarray)) and len(value) == 3
            and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in value)):
        raise TypeError(f"Normalize: {name} must be a sequence of 3 numbers (one a channel), got {value!r}")
    return np.array(value, dtype=np.float32)


@PIPELINES.register_module()
class Normalize:
    """`(img - mean) / std` per channel, the channels first reversed (RGB → BGR) when `to_bgr`.

    Args:
        mean, std: 3 numbers each, in the order of the output channels (after the reversal), e.g.
            mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375] for RGB frames in 0-255.
        to_bgr: reverse the channel order first (for models trained on BGR input).
        adjust_magnitude: must be False (MMAction2 uses it for optical flow, which is not supported).

    Always writes `imgs` as a new float32 array [N, H, W, C], whether it got a list or an array, and
    `img_norm_cfg` = dict(mean=..., std=..., to_bgr=...) with mean and std as float32 arrays.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], to_bgr: bool = False,
                 adjust_magnitude: bool = False):
        self.mean = _channel_values(mean, "mean")
        self.std = _channel_values(std, "std")
        if not np.all(self.std > 0):
            raise ValueError(f"Normalize: std must be positive, got {std!r}")
        if not isinstance(to_bgr, bool):
            raise TypeError(f"Normalize: to_bgr must be a bool, got {to_bgr!r}")
        if adjust_magnitude is not False:
            raise ValueError(f"Normalize: adjust_magnitude must be False, got {adjust_magnitude!r} "
                             f"(it is for optical flow, which is not supported)")
        self.to_bgr = to_bgr
        self.adjust_magnitude = adjust_magnitude
        self._given = ([float(v) for v in mean], [float(v) for v in std])  # for repr, without float32 noise

    def __call__(self, results: dict) -> dict:
        stacked = stack_frames(results["imgs"])
        if self.to_bgr:
            stacked = stacked[..., ::-1]
        results["imgs"] = (stacked.astype(np.float32) - self.mean) / self.std
        results["img_norm_cfg"] = dict(mean=self.mean.copy(), std=self.std.copy(), to_bgr=self.to_bgr)
        return results

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(mean={self._given[0]}, std={self._given[1]}, "
                f"to_bgr={self.to_bgr}, adjust_magnitude={self.adjust_magnitude})")
