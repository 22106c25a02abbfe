"""Where each frame of a video file is: presentation times and key frames, read from packets and cached.

Containers' frame counts are not to be trusted (files claim 444 frames and decode 68, or one more than they
hold), and frame rates vary, so a frame index cannot be turned into a timestamp by arithmetic. One pass over
the demuxed packets — no pixel is decoded; a few milliseconds for a 10-second clip — gives the presentation
timestamp of every frame and which frames are key frames. The result is cached per file (keyed by path, size
and modification time), so each file is scanned once per process however many times it is sampled.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from vidrun.datasets.pipelines.errors import VideoReadError

CACHE_SIZE = 8192  # a few kB per entry


@dataclass(frozen=True)
class VideoIndex:
    """`pts[i]` is the presentation timestamp of frame `i` (sorted); `keys` the sorted indices of key frames.

    `sequential` marks a file whose timestamps do not identify frames (two packets with the same one): such a
    file is read from its start, counting frames as they come out of the decoder, and never seeked.
    """
    pts: np.ndarray
    keys: np.ndarray
    sequential: bool = False

    @property
    def num_frames(self) -> int:
        return len(self.pts)

    def key_frame_before(self, frame: int) -> int:
        """The index of the last key frame at or before `frame` (decoding `frame` must start there)."""
        at = int(np.searchsorted(self.keys, frame, side="right")) - 1
        return int(self.keys[max(at, 0)])

    def frame_of(self, pts: int | None) -> int:
        """The frame index of a decoded frame's timestamp (the nearest one at or before it)."""
        if pts is None:
            raise KeyError("a decoded frame without a timestamp")
        return max(int(np.searchsorted(self.pts, pts, side="right")) - 1, 0)

    def truncated(self, num_frames: int) -> VideoIndex:
        """The index of the first `num_frames` frames: what is left when decoding ends early."""
        return VideoIndex(self.pts[:num_frames], self.keys[self.keys < num_frames], self.sequential)


def scan_packets(container, stream, path: str) -> VideoIndex:
    """Demux every packet of `stream` once and index the frames they carry."""
    pts, key_pts = [], []
    try:
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:  # the flush packet, or a packet without a frame
                continue
            pts.append(packet.pts)
            if packet.is_keyframe:
                key_pts.append(packet.pts)
    except Exception as error:  # noqa: BLE001 - PyAV raises several error types for damaged files
        if not pts:
            raise VideoReadError(path, f"cannot read packets: {error}") from error
        # A truncated file: the frames before the damage are still usable.
    if not pts:
        raise VideoReadError(path, "the video stream holds no frames")
    pts_array = np.unique(np.asarray(pts, dtype=np.int64))
    if len(pts_array) < len(pts):
        return VideoIndex(np.arange(len(pts), dtype=np.int64), np.zeros(1, dtype=np.int64), sequential=True)
    keys = np.searchsorted(pts_array, np.asarray(sorted(set(key_pts)), dtype=np.int64))
    if len(keys) == 0 or keys[0] != 0:
        keys = np.concatenate([[0], keys])  # decoding starts at the first packet whatever it claims
    return VideoIndex(pts_array, keys.astype(np.int64))


class IndexCache:
    """An LRU cache of `VideoIndex` per file, invalidated when the file's size or modification time changes."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self._entries: OrderedDict[tuple, VideoIndex] = OrderedDict()

    @staticmethod
    def _key(path: str) -> tuple:
        stat = os.stat(path)
        return (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)

    def get(self, path: str, container, stream) -> VideoIndex:
        key = self._key(path)
        index = self._entries.get(key)
        if index is None:
            index = scan_packets(container, stream, path)
            self.put(path, index, key)
        self._entries.move_to_end(key)
        return index

    def clear(self) -> None:
        """Forget every index (the next open of each file scans its packets again)."""
        self._entries.clear()

    def put(self, path: str, index: VideoIndex, key: tuple | None = None) -> None:
        """Record `index` for `path` (also to correct it once decoding found fewer frames than packets)."""
        self._entries[key or self._key(path)] = index
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


VIDEO_INDEXES = IndexCache()
