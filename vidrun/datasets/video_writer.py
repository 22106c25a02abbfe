"""`write_video`: frames to a real video file with PyAV (the demo set, tests and benchmarks use it)."""
from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

from vidrun.utils.lazy_module import lazy_module

av = lazy_module("av")  # imported at the first read or write (about 0.1 s)

# Pixel formats that each codec accepts and that keep colours reasonably; others can be passed explicitly.
DEFAULT_PIX_FMT = {"libx264": "yuv420p", "libx264rgb": "rgb24", "mpeg4": "yuv420p", "mjpeg": "yuvj420p",
                   "ffv1": "yuv444p", "huffyuv": "rgb24", "libvpx-vp9": "yuv420p", "png": "rgb24"}


def write_video(path: str | Path, frames: Iterable[np.ndarray], fps: int | Fraction = 25,
                codec: str = "libx264", pix_fmt: str | None = None, options: dict | None = None,
                gop_size: int | None = None, timestamps: Iterable[int] | None = None) -> Path:
    """Encode H×W×3 uint8 RGB `frames` into `path` (the container follows the suffix: .mp4, .avi, .mkv, ...).

    `gop_size` sets the key-frame interval; `timestamps` (in milliseconds, increasing) give variable frame
    rate; `options` go to the encoder (`{'crf': '18'}`). The file is written to a temporary name and renamed,
    so a crash never leaves a half-written video under `path`.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.partial{path.suffix}")
    with av.open(str(tmp), "w") as container:
        stream = None
        stamps = iter(timestamps) if timestamps is not None else None
        for frame in frames:
            if stream is None:
                stream = _add_stream(container, codec, fps, frame.shape, pix_fmt, options, gop_size, stamps)
            video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            if stamps is not None:
                video_frame.pts, video_frame.time_base = next(stamps), Fraction(1, 1000)
            container.mux(stream.encode(video_frame))
        if stream is None:
            raise ValueError(f"no frames to write to {path}")
        container.mux(stream.encode())
    tmp.replace(path)
    return path


def _add_stream(container, codec: str, fps, shape: tuple, pix_fmt: str | None, options: dict | None,
                gop_size: int | None, stamps) -> av.VideoStream:
    height, width = shape[:2]
    stream = container.add_stream(codec, rate=fps, options=dict(options or {}))
    stream.width, stream.height = width, height
    stream.pix_fmt = pix_fmt or DEFAULT_PIX_FMT.get(codec, "yuv420p")
    if gop_size is not None:
        stream.codec_context.gop_size = gop_size
    if stamps is not None:  # millisecond timestamps: variable frame rate
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.time_base = Fraction(1, 1000)
    return stream
