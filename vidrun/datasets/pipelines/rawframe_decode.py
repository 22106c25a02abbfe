"""`RawFrameDecode`: frames stored as image files in a folder (the `RawframeDataset` layout)."""
from __future__ import annotations

import os

import cv2
import numpy as np
from PIL import UnidentifiedImageError  # the package alone: a few ms

from vidrun.datasets.pipelines.decoded import frame_indices, store_frames
from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.datasets.registries import PIPELINES
from vidrun.utils.lazy_module import lazy_module

Image = lazy_module("PIL.Image")  # imported at the first frame read (about 0.1 s)


def read_image(path: str, frame: int) -> np.ndarray:
    """An image file as an H×W×3 uint8 RGB array; an unreadable file names itself and the frame index."""
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except (OSError, UnidentifiedImageError) as error:
        reason = "missing frame file" if isinstance(error, FileNotFoundError) else f"cannot read the image: {error}"
        raise VideoReadError(path, reason, frame=frame) from error


def read_grey(path: str, frame: int) -> np.ndarray:
    """An image file as an H×W uint8 array, read as mmcv reads a flow image (OpenCV, `IMREAD_GRAYSCALE`)."""
    if not os.path.isfile(path):
        raise VideoReadError(path, "missing frame file", frame=frame)
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise VideoReadError(path, "cannot read the image", frame=frame)
    return img


def _flow_pair(directory: str, template: str, index: int) -> list[np.ndarray]:
    return [read_grey(os.path.join(directory, template.format(direction, index)), index) for direction in "xy"]


@PIPELINES.register_module()
class RawFrameDecode:
    """Load `frame_dir/filename_tmpl.format(i + offset)` for each `i` in `frame_inds` into `imgs`.

    `frame_inds` already include the data set's `start_index` (1 for the usual `img_00001.jpg` numbering);
    `offset` comes from annotations written with `with_offset=True`. A frame index requested twice is read once.

    `modality='Flow'` (set by `RawframeDataset(modality='Flow')`): each index reads two grayscale images,
    `filename_tmpl.format('x', i)` and `filename_tmpl.format('y', i)`, with OpenCV as mmcv does; `imgs` holds
    H×W uint8 frames interleaved x, y, x, y, ... (2 × len(frame_inds) of them), as MMAction2's.
    """

    def __init__(self, io_backend: str = "disk", decoding_backend: str = "pillow"):
        if io_backend != "disk":
            raise ValueError(f"RawFrameDecode: io_backend={io_backend!r} is not supported; frames are read from disk")
        # Configs written for OpenCV name 'cv2' or 'turbojpeg'; the decoded pixels are the same RGB values.
        if decoding_backend not in ("pillow", "cv2", "turbojpeg"):
            raise ValueError(f"RawFrameDecode: unknown decoding_backend {decoding_backend!r}")
        self.decoding_backend = decoding_backend

    def __call__(self, results: dict) -> dict:
        modality = results.get("modality", "RGB")
        if modality not in ("RGB", "Flow"):
            raise ValueError(f"RawFrameDecode: modality {modality!r} is not supported ('RGB' or 'Flow')")
        directory, template = results["frame_dir"], results.get("filename_tmpl", "img_{:05}.jpg")
        offset = int(results.get("offset", 0))
        cache: dict[int, list[np.ndarray]] = {}
        imgs = []
        for index in frame_indices(results, "RawFrameDecode"):
            index = int(index) + offset
            if index not in cache:
                cache[index] = (_flow_pair(directory, template, index) if modality == "Flow" else
                                [read_image(os.path.join(directory, template.format(index)), index)])
            imgs.extend(cache[index])
        return store_frames(results, imgs, directory)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(io_backend='disk', decoding_backend={self.decoding_backend!r})"
