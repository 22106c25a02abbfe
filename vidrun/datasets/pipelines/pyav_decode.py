"""`PyAVInit` and `PyAVDecode`: the default video backend (MMAction2 names and parameters)."""
from __future__ import annotations

from vidrun.datasets.pipelines.decoded import frame_indices, store_frames
from vidrun.datasets.pipelines.pyav_reader import open_video, read_frames
from vidrun.datasets.registries import PIPELINES

MODES = ("accurate", "efficient")


@PIPELINES.register_module()
class PyAVInit:
    """Open `results['filename']`, index its frames and set `total_frames` (frames that really decode).

    The open reader travels in `results['video_reader']` to `PyAVDecode`, which closes it. `io_backend`
    other than 'disk' is not supported.
    """

    def __init__(self, io_backend: str = "disk", multi_thread: bool = False):
        if io_backend != "disk":
            raise ValueError(f"PyAVInit: io_backend={io_backend!r} is not supported; videos are read from disk")
        self.multi_thread = multi_thread

    def __call__(self, results: dict) -> dict:
        container, stream, index = open_video(results["filename"], self.multi_thread)
        results["video_reader"] = (container, stream, index)
        results["total_frames"] = index.num_frames
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(io_backend='disk', multi_thread={self.multi_thread})"


@PIPELINES.register_module()
class PyAVDecode:
    """Decode `results['frame_inds']` into `imgs` (list of H×W×3 uint8 RGB) and close the reader.

    `mode='accurate'` returns exactly the requested frames; `'efficient'` gives each request the last key frame
    at or before it and decodes nothing else. `multi_thread` turns on FFmpeg's own threading, which pays
    off for large frames (it costs latency on small ones).
    """

    def __init__(self, multi_thread: bool = False, mode: str = "accurate"):
        if mode not in MODES:
            raise ValueError(f"PyAVDecode: mode must be one of {MODES}, got {mode!r}")
        self.multi_thread = multi_thread
        self.mode = mode

    def __call__(self, results: dict) -> dict:
        if "video_reader" not in results:
            raise KeyError("PyAVDecode: no open video in results; put PyAVInit before it in the pipeline")
        frame_inds = frame_indices(results, "PyAVDecode")
        container, stream, index = results.pop("video_reader")
        if self.multi_thread:  # before the first decode, the codec is not opened yet: this still applies
            stream.thread_type = "AUTO"
            stream.codec_context.thread_count = 0
        try:
            imgs = read_frames(container, stream, index, frame_inds, results["filename"], self.mode)
        finally:
            container.close()
        return store_frames(results, imgs, results["filename"])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(multi_thread={self.multi_thread}, mode={self.mode!r})"
