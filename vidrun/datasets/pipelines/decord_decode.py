"""`DecordInit` and `DecordDecode`: the optional decord backend (`pip install 'vidrun[decord]'`).

The maintained `decord2` fork and the classic `decord` 0.6 both install the module `decord`; either works.
decord indexes a file's packets itself when it opens it, so its frame count is what it can read.
"""
from __future__ import annotations

import importlib

import numpy as np

from vidrun.datasets.pipelines.decoded import frame_indices, store_frames
from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.datasets.registries import PIPELINES

MODES = ("accurate", "efficient")


def _decord():
    try:
        return importlib.import_module("decord")
    except ImportError as error:
        raise ImportError("the decord backend needs the decord module: pip install 'vidrun[decord]' "
                          "(or use PyAVInit/PyAVDecode, the default backend)") from error


@PIPELINES.register_module()
class DecordInit:
    """Open `results['filename']` with decord's `VideoReader` and set `total_frames`."""

    def __init__(self, io_backend: str = "disk", num_threads: int = 1):
        if io_backend != "disk":
            raise ValueError(f"DecordInit: io_backend={io_backend!r} is not supported; videos are read from disk")
        if not isinstance(num_threads, int) or num_threads < 0:
            raise ValueError(f"DecordInit: num_threads must be an int >= 0 (0: decord decides), got {num_threads!r}")
        self.num_threads = num_threads
        self._module = _decord()  # fail at build time, not at the first sample

    def __call__(self, results: dict) -> dict:
        path = results["filename"]
        try:
            reader = self._module.VideoReader(str(path), num_threads=self.num_threads)
        except Exception as error:  # noqa: BLE001 - decord raises its own DECORDError and RuntimeError
            raise VideoReadError(path, f"cannot open the video: {error}") from error
        if len(reader) == 0:
            raise VideoReadError(path, "the video stream holds no frames")
        results["video_reader"] = reader
        results["total_frames"] = len(reader)
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(io_backend='disk', num_threads={self.num_threads})"


@PIPELINES.register_module()
class DecordDecode:
    """Decode `results['frame_inds']` into `imgs` (list of H×W×3 uint8 RGB) with decord.

    `mode='accurate'` is `get_batch` (exact frames); `'efficient'` returns the last key frame at or before each
    request, as `PyAVDecode` does.
    """

    def __init__(self, mode: str = "accurate"):
        if mode not in MODES:
            raise ValueError(f"DecordDecode: mode must be one of {MODES}, got {mode!r}")
        self.mode = mode

    def _read(self, reader, frame_inds) -> list:
        inds = [int(i) for i in frame_inds]
        if self.mode == "efficient":
            # The same contract as PyAVDecode's: the last key frame at or before each request. (decord's own
            # `seek` goes to the next key frame instead, which would make the two backends disagree.)
            keys = np.asarray(reader.get_key_indices(), dtype=np.int64)
            inds = [int(keys[max(np.searchsorted(keys, i, side="right") - 1, 0)]) for i in inds]
        return list(reader.get_batch(inds).asnumpy())

    def __call__(self, results: dict) -> dict:
        if "video_reader" not in results:
            raise KeyError("DecordDecode: no open video in results; put DecordInit before it in the pipeline")
        frame_inds = frame_indices(results, "DecordDecode")
        reader = results.pop("video_reader")
        path = results["filename"]
        bad = [int(i) for i in frame_inds if not 0 <= int(i) < len(reader)]
        if bad:
            raise VideoReadError(path, f"frame index out of range: the video has {len(reader)} frames", frame=bad[0])
        try:
            imgs = self._read(reader, frame_inds)
        except Exception as error:  # noqa: BLE001 - decord's errors carry no common base class
            raise VideoReadError(path, f"cannot decode: {error}", frame=int(frame_inds[0])) from error
        return store_frames(results, imgs, path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mode={self.mode!r})"
