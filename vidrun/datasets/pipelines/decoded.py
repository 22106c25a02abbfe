"""What every decoder reads from and writes into `results`: `frame_indices` and `store_frames`."""
from __future__ import annotations

import numpy as np

from vidrun.datasets.pipelines.errors import VideoReadError


def frame_indices(results: dict, owner: str) -> np.ndarray:
    """`results['frame_inds']` as a flat int64 array, written back flat: samplers may give `[N, 1]` (or any
    shape), which MMAction2's decoders squeeze. (MMAction2 squeezes, which turns `[1, 1]` into a 0-d array it
    cannot iterate; flattening keeps that case too.)"""
    if "frame_inds" not in results:
        raise KeyError(f"{owner}: no frame_inds in results; put SampleFrames (or another sampler) before it")
    inds = np.asarray(results["frame_inds"])
    if inds.size and not np.issubdtype(inds.dtype, np.integer):
        if not np.issubdtype(inds.dtype, np.floating) or not np.all(inds == np.floor(inds)):
            raise TypeError(f"{owner}: frame_inds must hold whole numbers, got {inds.dtype} {inds.ravel()[:8]}")
    inds = inds.reshape(-1).astype(np.int64)
    results["frame_inds"] = inds
    return inds


def store_frames(results: dict, imgs: list[np.ndarray], source: str) -> dict:
    """Set `imgs`, `original_shape` and `img_shape` ((h, w) of the decoded frames); no frame is an error."""
    if not imgs:
        raise VideoReadError(source, "no frame was requested (empty frame_inds)")
    results["imgs"] = imgs
    results["original_shape"] = imgs[0].shape[:2]
    results["img_shape"] = imgs[0].shape[:2]
    return results


def in_request_order(decoded: dict[int, np.ndarray], order: list[int]) -> list[np.ndarray]:
    """The frames in request order; a frame requested again is a copy, so in-place transforms stay local."""
    seen: set[int] = set()
    frames = []
    for i in order:
        frames.append(decoded[i] if i not in seen else decoded[i].copy())
        seen.add(i)
    return frames
