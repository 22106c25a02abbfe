"""`store_frames`: what every decoder writes into `results` once it has the frames."""
from __future__ import annotations

import numpy as np

from vidrun.datasets.pipelines.errors import VideoReadError


def store_frames(results: dict, imgs: list[np.ndarray], source: str) -> dict:
    """Set `imgs`, `original_shape` and `img_shape` ((h, w) of the decoded frames); no frame is an error."""
    if not imgs:
        raise VideoReadError(source, "no frame was requested (empty frame_inds)")
    results["imgs"] = imgs
    results["original_shape"] = imgs[0].shape[:2]
    results["img_shape"] = imgs[0].shape[:2]
    return results
