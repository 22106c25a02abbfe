"""`Normalize`: per-channel mean/std normalisation into a float32 stack, computed as MMAction2 0.x computes it:
`mmcv.imnormalize_` for RGB frames, plain float32 NumPy for optical flow."""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from vidrun.datasets.pipelines.image_ops import Frames
from vidrun.datasets.registries import PIPELINES


def _channel_values(value: object, name: str) -> np.ndarray:
    if not (isinstance(value, (tuple, list, np.ndarray)) and 1 <= len(value) <= 4
            and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in value)):
        raise TypeError(f"Normalize: {name} must be a sequence of 1 to 4 numbers (one a channel: 3 for RGB, "
                        f"2 for flow), got {value!r}")
    return np.array(value, dtype=np.float32)


def _imnormalize_(flat: np.ndarray, mean: np.ndarray, std: np.ndarray, to_bgr: bool) -> None:
    """mmcv's `imnormalize_` on a float32 image [rows, cols, C], in place: channels swapped (R ↔ B) when
    `to_bgr`, then `cv2.subtract` of the mean and `cv2.multiply` by 1/std, both given as float64 (1, C)."""
    if to_bgr:
        cv2.cvtColor(flat, cv2.COLOR_BGR2RGB, flat)
    cv2.subtract(flat, np.float64(mean.reshape(1, -1)), flat)
    cv2.multiply(flat, 1 / np.float64(std.reshape(1, -1)), flat)


def _as_rows(stack: np.ndarray) -> np.ndarray:
    """A C-contiguous stack [N, H, W, C] as the one image [N·H, W, C] OpenCV can take in one call (a view)."""
    return stack.reshape(-1, stack.shape[2], stack.shape[3])


@PIPELINES.register_module()
class Normalize:
    """`(img - mean) / std` per channel, as MMAction2: RGB by `mmcv.imnormalize_`, flow by NumPy.

    Args:
        mean, std: one number a channel, in the order of the output channels (after the swap), e.g.
            mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375] for RGB frames in 0-255; 2 numbers
            (x, y) for flow.
        to_bgr: swap the first and third channel first (for models trained on BGR input; RGB only).
        adjust_magnitude: flow only: multiply the normalised x and y flow by `results['scale_factor']`
            (w and h factors of the resizes so far).

    RGB (`results['modality']` 'RGB' or absent): H×W×C frames, C = len(mean). The pixels are mmcv's:
    float32 frames, `cv2.subtract(mean)` then `cv2.multiply(1/std)` (not the same floats as a NumPy division).
    uint8 frames go through a 256-entry table of those very results (`cv2.LUT`), one pass over the stack.
    Writes `imgs` float32 [N, H, W, C] and `img_norm_cfg` = dict(mean, std, to_bgr).

    Flow (`'Flow'`): 2N frames H×W alternating x and y; `(x - mean[0]) / std[0]` and `(y - mean[1]) / std[1]`
    in float32 NumPy, written as [N, H, W, 2]; `img_norm_cfg` also holds `adjust_magnitude`.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], to_bgr: bool = False,
                 adjust_magnitude: bool = False):
        self.mean = _channel_values(mean, "mean")
        self.std = _channel_values(std, "std")
        if len(self.mean) != len(self.std):
            raise ValueError(f"Normalize: mean and std must have one value a channel each, got {len(self.mean)} "
                             f"and {len(self.std)}")
        if not np.all(self.std > 0):
            raise ValueError(f"Normalize: std must be positive, got {std!r}")
        for name, flag in (("to_bgr", to_bgr), ("adjust_magnitude", adjust_magnitude)):
            if not isinstance(flag, bool):
                raise TypeError(f"Normalize: {name} must be a bool, got {flag!r}")
        if to_bgr and len(self.mean) != 3:
            raise ValueError(f"Normalize: to_bgr needs 3 channels, got {len(self.mean)} means")
        self.to_bgr = to_bgr
        self.adjust_magnitude = adjust_magnitude
        self._given = ([float(v) for v in mean], [float(v) for v in std])  # for repr, without float32 noise
        self._table = self._uint8_table()

    def _uint8_table(self) -> np.ndarray:
        """[1, 256, C] float32: channel c of entry v is what mmcv's arithmetic gives for a pixel value v in
        output channel c. With `to_bgr` input channel c lands in output channel C-1-c, so its table is that
        channel's, and the output channels are swapped back after the lookup."""
        channels = len(self.mean)
        values = np.repeat(np.arange(256, dtype=np.float32)[:, None, None], channels, axis=2)
        _imnormalize_(values, self.mean, self.std, to_bgr=False)
        table = values.reshape(1, 256, channels)
        return np.ascontiguousarray(table[..., ::-1]) if self.to_bgr else table

    def __call__(self, results: dict) -> dict:
        modality = results.get("modality", "RGB")
        if modality == "Flow":
            return self._normalize_flow(results)
        if modality != "RGB":
            raise ValueError(f"Normalize: modality must be 'RGB' or 'Flow', got {modality!r}")
        results["imgs"] = self._normalize_rgb(results["imgs"])
        results["img_norm_cfg"] = dict(mean=self.mean.copy(), std=self.std.copy(), to_bgr=self.to_bgr)
        return results

    def _normalize_rgb(self, imgs: Frames) -> np.ndarray:
        first = imgs[0]
        if first.ndim != 3 or first.shape[2] != len(self.mean):
            raise ValueError(f"Normalize: frames must be H×W×{len(self.mean)} (one channel a mean), got a frame "
                             f"of shape {first.shape}")
        out = np.empty((len(imgs), *first.shape), dtype=np.float32)
        whole = isinstance(imgs, np.ndarray) and imgs.flags.c_contiguous
        if first.dtype == np.uint8:
            for src, dst in ([(_as_rows(imgs), _as_rows(out))] if whole else zip(imgs, out)):
                cv2.LUT(src, self._table, dst)
            if self.to_bgr:
                cv2.cvtColor(_as_rows(out), cv2.COLOR_BGR2RGB, _as_rows(out))
            return out
        for src, dst in zip(imgs, out):  # any other dtype: converted to float32 first, as MMAction2
            dst[...] = src
        _imnormalize_(_as_rows(out), self.mean, self.std, self.to_bgr)
        return out

    def _normalize_flow(self, results: dict) -> dict:
        imgs = results["imgs"]
        if len(self.mean) != 2 or len(imgs) % 2 or imgs[0].ndim != 2:
            raise ValueError(f"Normalize: flow needs 2 means and stds (x, y) and an even number of H×W frames "
                             f"(x and y alternating), got {len(self.mean)} means and {len(imgs)} frames of "
                             f"shape {imgs[0].shape}")
        x_flow = (np.asarray(imgs[0::2], dtype=np.float32) - self.mean[0]) / self.std[0]
        y_flow = (np.asarray(imgs[1::2], dtype=np.float32) - self.mean[1]) / self.std[1]
        if self.adjust_magnitude:
            x_flow = x_flow * results["scale_factor"][0]
            y_flow = y_flow * results["scale_factor"][1]
        results["imgs"] = np.stack([x_flow, y_flow], axis=-1)
        results["img_norm_cfg"] = dict(mean=self.mean.copy(), std=self.std.copy(), to_bgr=self.to_bgr,
                                       adjust_magnitude=self.adjust_magnitude)
        return results

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(mean={self._given[0]}, std={self._given[1]}, "
                f"to_bgr={self.to_bgr}, adjust_magnitude={self.adjust_magnitude})")
