"""Where each frame of a video file is: presentation times and key frames, read from packets and cached.

Containers' frame counts are not to be trusted (files claim 444 frames and decode 68, or one more than they
hold), and frame rates vary, so a frame index cannot be turned into a timestamp by arithmetic. One pass over
the demuxed packets — no pixel is decoded; a few milliseconds for a 10-second clip — gives the presentation
timestamp of every frame and which frames are key frames. The result is cached per file (keyed by path, size
and modification time), so each file is scanned once per process however many times it is sampled.

Frame `k` of a file is the `k`-th frame its decoder gives when every packet is decoded in order (a packet the
decoder rejects is skipped). Packets do not always say that: DivX/XviD "packed bitstream" AVI files (UCF-101,
HMDB-51) carry two frames in one packet and a placeholder in the next, and their frames come out with their
timestamps out of order; a damaged stream has packets that give no frame. Such files are indexed by decoding
them once (`decode_index`): the count is the true one, and they are read by counting frames from the start.
"""
from __future__ import annotations

import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.utils.lazy_module import lazy_module

av = lazy_module("av")  # imported at the first read or write (about 0.1 s)

CACHE_SIZE = 8192  # a few kB per entry


@dataclass(frozen=True)
class VideoIndex:
    """`pts[i]` is the presentation timestamp of frame `i` (sorted); `keys` the sorted indices of key frames.

    `sequential` marks a file whose timestamps do not identify frames (two packets with the same one, missing
    ones, damage): such a file is read from its start, counting frames as they come out of the decoder, and
    never seeked; `pts` is then `arange(num_frames)`. `decoded` marks an index built by decoding the file;
    there `pts` may be out of order (packed B-frames give 1, 3, 2, 5, 4, …: `permuted`), each still naming
    one frame.
    """
    pts: np.ndarray
    keys: np.ndarray
    sequential: bool = False
    decoded: bool = False  # built by decoding the file (decode_index), not from its packets alone
    permuted: bool = False  # pts out of order: looked up through `_order`, and no frame is skipped unread

    @property
    def _order(self) -> np.ndarray:
        return np.argsort(self.pts, kind="stable")

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

    def exact(self, pts: int | None) -> int | None:
        """The index of the frame whose timestamp is exactly `pts`; None if no frame has it."""
        if pts is None:
            return None
        if self.permuted:
            order = self._order
            at = int(np.searchsorted(self.pts[order], pts))
            return int(order[at]) if at < len(order) and self.pts[order[at]] == pts else None
        at = int(np.searchsorted(self.pts, pts))
        return at if at < len(self.pts) and self.pts[at] == pts else None


def scan_packets(container, stream, path: str) -> VideoIndex:
    """Demux every packet of `stream` once and index the frames they carry; files whose packets cannot be
    trusted to say that (packed B-frames, a demuxing error part-way) are indexed by `decode_index` instead."""
    pts, key_pts = [], []
    mpeg4 = stream.codec_context.name == "mpeg4"  # MPEG-4 Part 2: DivX, XviD
    packed = mpeg4 and _packed_user_data(stream.codec_context.extradata)
    try:
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:  # the flush packet, or a packet without a frame
                continue
            if mpeg4 and not packed:
                packed = _is_packed(bytes(packet))
            pts.append(packet.pts)
            if packet.is_keyframe:
                key_pts.append(packet.pts)
    except Exception as error:  # noqa: BLE001 - PyAV raises several error types for damaged files
        if not pts:
            raise VideoReadError(path, f"cannot read packets: {error}") from error
        # A damaged file: what decodes before and after the damage is still usable.
        return decode_index(path, stream.index)
    if not pts:
        raise VideoReadError(path, "the video stream holds no frames")
    if packed:
        return decode_index(path, stream.index)
    pts_array = np.unique(np.asarray(pts, dtype=np.int64))
    if len(pts_array) < len(pts):
        return VideoIndex(np.arange(len(pts), dtype=np.int64), np.zeros(1, dtype=np.int64), sequential=True)
    return VideoIndex(pts_array, _key_indices(pts_array, key_pts))


def _key_indices(pts: np.ndarray, key_pts: list) -> np.ndarray:
    keys = np.searchsorted(pts, np.asarray(sorted(set(key_pts)), dtype=np.int64))
    if len(keys) == 0 or keys[0] != 0:
        keys = np.concatenate([[0], keys])  # decoding starts at the first packet whatever it claims
    return keys.astype(np.int64)


VOP_START = b"\x00\x00\x01\xb6"
MAX_NVOP_SIZE = 19
PACKED_USER_DATA = re.compile(rb"DivX\d+(?:Build|b)\d+p")


def _packed_user_data(data: bytes | None) -> bool:
    """DivX 5 and XviD in packed mode write user data 'DivX503b1393p' (the final 'p': packed B-frames)."""
    return bool(data) and PACKED_USER_DATA.search(data) is not None


def _is_packed(data: bytes) -> bool:
    """A packet whose frame count the packets cannot tell: packed bitstream (the marker in its headers, or two
    frames, VOPs, in one packet), or a placeholder that may give no frame (an N-VOP, "not coded": a few bytes,
    the size up to which FFmpeg's decoder treats a packet as one)."""
    return (len(data) <= MAX_NVOP_SIZE or data.count(VOP_START) > 1
            or (b"DivX" in data and _packed_user_data(data)))


def decode_index(path: str, stream_index: int = 0) -> VideoIndex:
    """The index of a file whose packets do not say which frames come out: decode it once (in a container of
    its own), packet by packet as the reader does, count the frames and record their timestamps. Distinct
    timestamps keep seeking possible — to the frames whose packets the container marks as key frames, each
    frame then found by its timestamp, also when they come out of order; damage, or a timestamp missing or
    repeated, makes the index sequential."""
    with av.open(str(path)) as container:
        stream = container.streams[stream_index]  # counts all streams, as `stream.index` does
        stream.thread_type = "NONE"
        stream.codec_context.thread_count = 1
        seen = PacketLog()
        pts, key_flags = [], []
        for frame in decoded_frames(container, stream, seen):
            pts.append(frame.pts)
            key_flags.append(frame.key_frame)
    if not pts:
        raise VideoReadError(path, "no frame of the video stream decodes")
    # Seeking into damaged data need not give what decoding through it gave: damaged files are read from the start.
    if seen.damaged or None in pts or len(set(pts)) < len(pts):
        # Read from the start: the key frames serve only "efficient" reading, which returns them.
        keys = np.unique(np.concatenate([[0], np.flatnonzero(key_flags)])).astype(np.int64)
        return VideoIndex(np.arange(len(pts), dtype=np.int64), keys, sequential=True, decoded=True)
    # Seek points: frames whose packet the container marks as a key frame (a decoded frame's own key flag also
    # marks I-frames that are no place to start decoding from).
    pts_array = np.asarray(pts, dtype=np.int64)
    keys = np.flatnonzero(np.isin(pts_array, np.fromiter(seen.key_pts, dtype=np.int64, count=len(seen.key_pts))))
    permuted = bool(np.any(np.diff(pts_array) <= 0))
    return VideoIndex(pts_array, np.unique(np.concatenate([[0], keys])).astype(np.int64), decoded=True,
                      permuted=permuted)


def demuxed_packets(container, stream):
    """The packets of `stream` from the container's current position. A demuxing error (damage the demuxer
    cannot pass) ends them with None, which tells a decoder to give the frames it still holds."""
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError:
            yield None
            return
        yield packet


def decoded_frames(container, stream, seen: PacketLog | None = None):
    """Every frame of `stream` from the container's current position, in the decoder's order; a packet the
    decoder rejects (damaged data) is skipped, and decoding goes on with the next one. `seen`, if given,
    records the key-frame packets' timestamps and whether any damage was met."""
    context = stream.codec_context
    for packet in demuxed_packets(container, stream):
        if seen is not None:
            seen.saw(packet)
        try:
            frames = context.decode(packet)
        except av.FFmpegError:
            if seen is not None:
                seen.damaged = True
            continue
        yield from frames


@dataclass
class PacketLog:
    """What `decoded_frames` met on its way: key-frame packets and damage."""
    key_pts: set = field(default_factory=set)
    damaged: bool = False

    def saw(self, packet) -> None:
        if packet is None:  # the demuxer stopped at damage
            self.damaged = True
        elif packet.is_keyframe and packet.pts is not None:
            self.key_pts.add(packet.pts)


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

    def rebuild(self, path: str, stream_index: int = 0) -> VideoIndex:
        """Index `path` again by decoding it (`decode_index`): for a file whose packets turned out, while it
        was read, not to say which frames come out. Cached in place of the packet index."""
        index = decode_index(path, stream_index)
        self.put(path, index)
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
