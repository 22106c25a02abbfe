"""Formatting transforms, the last steps of a pipeline: frames to the layout a model takes (`FormatShape`), the
keys a sample keeps (`Collect`) and their conversion to tensors (`ToTensor`)."""
from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch

from vidrun.datasets.registries import PIPELINES

INPUT_FORMATS = ("NCHW", "NCTHW", "NCHW_Flow", "NPTCHW")
DEFAULT_META_KEYS = ("filename", "label", "original_shape", "img_shape", "pad_shape", "flip_direction",
                     "img_norm_cfg")


def _check_keys(owner: str, name: str, keys: Any, allow_empty: bool = False) -> tuple[str, ...]:
    """`keys` as a tuple of strings; a bare string (a common slip for `['imgs']`) is an error."""
    if isinstance(keys, str) or not isinstance(keys, Sequence) or not all(isinstance(k, str) for k in keys):
        raise TypeError(f"{owner}: {name} must be a list of key names, not {keys!r}")
    if not keys and not allow_empty:
        raise ValueError(f"{owner}: {name} must name at least one key")
    return tuple(keys)


def _lookup(owner: str, results: dict, key: str) -> Any:
    if key not in results:
        raise KeyError(f"{owner}: the key {key!r} is not in results; available: {', '.join(map(str, results))}")
    return results[key]


def _stacked_frames(imgs: Any) -> np.ndarray:
    """The frames as one array [M, H, W, C]; an already stacked array is used as is (no copy)."""
    frames = imgs if isinstance(imgs, np.ndarray) else np.stack(imgs)
    if frames.ndim != 4:
        raise ValueError(f"FormatShape: imgs must be M frames of H×W×C, got an array of shape {frames.shape}")
    return frames


@PIPELINES.register_module()
class FormatShape:
    """Lay out `results['imgs']` (M frames of H×W×C) for a recognizer, and write `input_shape`.

    - 'NCHW': `[M, C, H, W]`, M = crops·clips·clip_len frames (a 2D model treats each as a segment).
    - 'NCTHW': `[crops·clips, C, T, H, W]` with `T = results['clip_len']`. Multi-view crops are concatenated
      crop-major (all frames of crop 0, then of crop 1, …), so the frames read as [crops, clips, clip_len].
    - 'NCHW_Flow': `[crops·clips, clip_len·C, H, W]`: a clip's flow frames stacked along channels, x and y of
      its first frame first (TSN's flow input).
    - 'NPTCHW': `[num_proposals, clips·clip_len, C, H, W]` (reads `num_proposals`).

    As MMAction2's, the result is a view of the input where NumPy can give one (transposes are not copied;
    the batch is made contiguous when collated), so this costs next to nothing. `collapse=True` drops the
    leading dimension, which must then be 1 (a single view).
    """

    def __init__(self, input_format: str, collapse: bool = False):
        if input_format not in INPUT_FORMATS:
            raise ValueError(f"FormatShape: input_format {input_format!r} is not supported; "
                             f"supported: {', '.join(INPUT_FORMATS)}")
        if not isinstance(collapse, bool):
            raise TypeError(f"FormatShape: collapse must be a bool, not {collapse!r}")
        self.input_format = input_format
        self.collapse = collapse

    def __call__(self, results: dict) -> dict:
        frames = _stacked_frames(_lookup("FormatShape", results, "imgs"))
        if self.input_format == "NCHW":
            frames = frames.transpose(0, 3, 1, 2)
        elif self.input_format == "NPTCHW":
            proposals = _lookup("FormatShape", results, "num_proposals")
            frames = frames.reshape(proposals, -1, *frames.shape[1:]).transpose(0, 1, 4, 2, 3)
        else:
            frames = self._to_clips(frames, results)
        if self.collapse:
            if frames.shape[0] != 1:
                raise ValueError(f"FormatShape: collapse=True needs a single view, got {frames.shape[0]} "
                                 f"(shape {frames.shape})")
            frames = frames[0]
        results["imgs"] = frames
        results["input_shape"] = frames.shape
        return results

    def _to_clips(self, frames: np.ndarray, results: dict) -> np.ndarray:
        """'NCTHW' or 'NCHW_Flow' from frames ordered [crops, clips, clip_len]."""
        num_clips = _lookup("FormatShape", results, "num_clips")
        clip_len = _lookup("FormatShape", results, "clip_len")
        per_view = num_clips * clip_len
        num_frames, height, width, channels = frames.shape
        if per_view <= 0 or num_frames % per_view:
            raise ValueError(f"FormatShape: {num_frames} frames cannot be split into views of num_clips "
                             f"({num_clips}) × clip_len ({clip_len}) = {per_view} frames")
        frames = frames.reshape(-1, num_clips, clip_len, height, width, channels)
        if self.input_format == "NCHW_Flow":  # crops, clips, T, C, H, W; T and C merge (a copy)
            return frames.transpose(0, 1, 2, 5, 3, 4).reshape(-1, clip_len * channels, height, width)
        frames = frames.transpose(0, 1, 5, 2, 3, 4)  # crops, clips, C, T, H, W
        return frames.reshape(-1, channels, clip_len, height, width)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(input_format={self.input_format!r}, collapse={self.collapse})"


@PIPELINES.register_module()
class Collect:
    """Keep only `keys` of `results`, in a new dict, plus a dict of meta data under `meta_name`.

    The meta dict holds those `meta_keys` that `results` has (optional ones such as `flip_direction` are
    skipped when absent); with empty `meta_keys` no meta entry is written. A missing `keys` entry is a
    KeyError. `nested=True` wraps every value in a one-element list (MMAction2 compatibility).
    """

    def __init__(self, keys: Sequence[str], meta_keys: Sequence[str] = DEFAULT_META_KEYS,
                 meta_name: str = "img_metas", nested: bool = False):
        self.keys = _check_keys("Collect", "keys", keys)
        self.meta_keys = _check_keys("Collect", "meta_keys", meta_keys, allow_empty=True)
        if not isinstance(meta_name, str) or not meta_name:
            raise TypeError(f"Collect: meta_name must be a non-empty str, not {meta_name!r}")
        if self.meta_keys and meta_name in self.keys:
            raise ValueError(f"Collect: meta_name {meta_name!r} is also in keys; the meta dict would replace it")
        if not isinstance(nested, bool):
            raise TypeError(f"Collect: nested must be a bool, not {nested!r}")
        self.meta_name = meta_name
        self.nested = nested

    def __call__(self, results: dict) -> dict:
        data = {key: _lookup("Collect", results, key) for key in self.keys}
        if self.meta_keys:
            data[self.meta_name] = {key: results[key] for key in self.meta_keys if key in results}
        if self.nested:
            data = {key: [value] for key, value in data.items()}
        return data

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(keys={list(self.keys)!r}, meta_keys={list(self.meta_keys)!r}, "
                f"meta_name={self.meta_name!r}, nested={self.nested})")


def to_tensor(data: Any) -> torch.Tensor:
    """`data` as a tensor, as MMAction2 converts it.

    A tensor is returned as is; an array shares its memory (`torch.from_numpy`, strided views included; one with
    a negative stride, e.g. a flipped view, which torch cannot hold, is copied first); an integer becomes a
    LongTensor of shape [1] and a real a FloatTensor of shape [1] (so a batch of labels is [N, 1]); another
    sequence goes through `torch.tensor`. Anything else, a str included, is a TypeError.
    """
    if isinstance(data, np.ndarray):
        if min(data.strides, default=0) < 0:
            data = np.ascontiguousarray(data)
        return torch.from_numpy(data)
    if isinstance(data, torch.Tensor):
        return data
    if isinstance(data, Integral):
        return torch.LongTensor([int(data)])
    if isinstance(data, Real):
        return torch.FloatTensor([float(data)])
    if isinstance(data, Sequence) and not isinstance(data, str):
        return torch.tensor(data)
    raise TypeError(f"cannot convert a {type(data).__name__} to a tensor")


@PIPELINES.register_module()
class ToTensor:
    """Convert the values of `keys` to tensors in place (see `to_tensor` for each type)."""

    def __init__(self, keys: Sequence[str]):
        self.keys = _check_keys("ToTensor", "keys", keys)

    def __call__(self, results: dict) -> dict:
        for key in self.keys:
            value = _lookup("ToTensor", results, key)
            try:
                results[key] = to_tensor(value)
            except (TypeError, ValueError) as error:  # e.g. a str, an object array, a ragged list
                raise type(error)(f"ToTensor: results[{key!r}] ({type(value).__name__}): {error}; supported: "
                                  f"tensor, numpy array, int, float, sequence of numbers") from error
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(keys={list(self.keys)!r})"
