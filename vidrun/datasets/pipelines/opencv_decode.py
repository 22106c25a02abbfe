"""`OpenCVInit` and `OpenCVDecode`: MMAction2's third video backend, on OpenCV's FFmpeg reader.

The frames are those of `PyAVDecode(mode='accurate')`: frame `k` is the `k`-th frame the decoder gives, read
in order from the start (`grab` decodes without converting; only requested frames are converted to RGB).
OpenCV's own seeking (`CAP_PROP_POS_FRAMES`) lands on a nearby frame in some files, so it is not used; for
long videos and sparse samples PyAV's reader, which seeks exactly, is faster.
"""
from __future__ import annotations

import cv2
import numpy as np

from vidrun.datasets.pipelines.decoded import frame_indices, in_request_order, store_frames
from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.datasets.pipelines.pyav_reader import open_video
from vidrun.datasets.registries import PIPELINES


def open_capture(path: str, num_threads: int) -> cv2.VideoCapture:
    """An opened `cv2.VideoCapture` on FFmpeg with `num_threads` decoding threads (0: OpenCV decides)."""
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, num_threads])
    if not capture.isOpened():
        capture.release()
        raise VideoReadError(path, "OpenCV cannot open the video")
    return capture


def read_in_order(capture: cv2.VideoCapture, frame_inds: np.ndarray, path: str) -> list[np.ndarray]:
    """RGB frames for `frame_inds` (any order, repeats allowed), decoding from the capture's first frame."""
    decoded: dict[int, np.ndarray] = {}
    position = -1
    for target in sorted({int(i) for i in frame_inds}):
        while position < target:
            if not capture.grab():
                raise VideoReadError(path, f"OpenCV's decoder stopped after frame {position}", frame=target)
            position += 1
        ok, bgr = capture.retrieve()
        if not ok:
            raise VideoReadError(path, "OpenCV cannot convert the decoded frame", frame=target)
        decoded[target] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return in_request_order(decoded, [int(i) for i in frame_inds])


@PIPELINES.register_module()
class OpenCVInit:
    """Open `results['filename']` with OpenCV; set `total_frames`, `video_reader` and `new_path` (the file read).

    `total_frames` is the number of frames that decode, from the packet index PyAV's reader keeps (see
    docs/decoding.md), not the container's claim (`CAP_PROP_FRAME_COUNT`), which MMAction2 takes and which
    some files misstate. `num_threads`: OpenCV's decoding threads (1 by default: in a data loader the
    workers are the parallelism; 0 lets OpenCV decide).
    """

    def __init__(self, io_backend: str = "disk", num_threads: int = 1):
        if io_backend != "disk":
            raise ValueError(f"OpenCVInit: io_backend={io_backend!r} is not supported; videos are read from disk")
        if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 0:
            raise ValueError(f"OpenCVInit: num_threads must be an int >= 0 (0: OpenCV decides), got {num_threads!r}")
        self.num_threads = num_threads

    def __call__(self, results: dict) -> dict:
        path = results["filename"]
        container, _, index = open_video(path)
        container.close()
        results["new_path"] = path
        results["video_reader"] = open_capture(path, self.num_threads)
        results["total_frames"] = index.num_frames
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(io_backend='disk', num_threads={self.num_threads})"


@PIPELINES.register_module()
class OpenCVDecode:
    """Decode `results['frame_inds']` into `imgs` (list of H×W×3 uint8 RGB) and release the capture.

    MMAction2's version seeks to each index and, where OpenCV returns nothing, takes the frame before instead;
    here every index is exact or an error naming the file and the frame.
    """

    def __call__(self, results: dict) -> dict:
        if "video_reader" not in results:
            raise KeyError("OpenCVDecode: no open video in results; put OpenCVInit before it in the pipeline")
        frame_inds = frame_indices(results, "OpenCVDecode")
        capture, path = results.pop("video_reader"), results["filename"]
        bad = [int(i) for i in frame_inds if not 0 <= int(i) < results.get("total_frames", np.inf)]
        if bad:
            capture.release()
            raise VideoReadError(path, f"frame index out of range: the video has {results['total_frames']} frames",
                                 frame=bad[0])
        try:
            imgs = read_in_order(capture, frame_inds, path)
        finally:
            capture.release()
        return store_frames(results, imgs, path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
