"""Reading chosen frames of a video with PyAV: exactly the requested ones, decoding as little as possible.

Frames are decoded from the key frame before the first requested one. When the next requested frame lies beyond
the following key frame, the reader seeks there instead of decoding everything in between; frames that are only
passed through are never converted to RGB, and those that no other frame refers to are not decoded at all. The
cost of sparse access is therefore set by the key-frame interval of the file, not by its length. Every decoded
frame's timestamp is checked against the index; a file whose packets misstate its frames is indexed again by
decoding it (video_index.decode_index).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from vidrun.datasets.pipelines.decoded import in_request_order
from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.datasets.pipelines.video_index import VIDEO_INDEXES, VideoIndex, demuxed_packets
from vidrun.utils.lazy_module import lazy_module

av = lazy_module("av")  # imported at the first read or write (about 0.1 s)

# Seek to the key frame before a requested frame only when more than this many frames lie before that key frame:
# a seek flushes the decoder, which costs about as much as decoding a few frames (measured with
# benchmarks/decode.py on 340×256 H.264).
SEEK_GAP = 4


def open_video(path: str, multi_thread: bool = False):
    """An open PyAV container, its first video stream and that stream's frame index."""
    try:
        container = av.open(str(path))
    except (OSError, av.FFmpegError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise VideoReadError(path, f"cannot open the video: {reason}") from error
    if not container.streams.video:
        container.close()
        raise VideoReadError(path, "the file holds no video stream")
    stream = container.streams.video[0]
    # One decoding thread unless asked: in a data loader, parallelism comes from the workers, and FFmpeg's own
    # threads in every worker would compete with them for the same cores.
    stream.thread_type = "AUTO" if multi_thread else "NONE"
    if not multi_thread:
        stream.codec_context.thread_count = 1
    try:
        index = VIDEO_INDEXES.get(str(path), container, stream)
    except BaseException:
        container.close()
        raise
    return container, stream, index


class _Mismatch(Exception):
    """The decoder gave frames that the index does not describe (the file's packets misstate its frames)."""

    def __init__(self, frame: int | None, reason: str):
        super().__init__(reason)
        self.frame = frame


class _SeekFailed(Exception):
    """The container cannot seek to a key frame's timestamp."""


def _decode_until(frames, index: VideoIndex, target: int, position: int, start: int):
    """Advance the decoder from frame `position` to frame `target` (decoding began at key frame `start`);
    returns (the frame, its index). Every frame's timestamp is checked against the index: one the index lacks,
    or a step backwards, means the packets misstated the frames (`_Mismatch`)."""
    for frame in frames:
        if index.sequential:
            position += 1
        else:
            at = index.exact(frame.pts)
            if at is None or at <= position:
                if at is not None and at < start:  # a frame of an open GOP, before the key frame: pass it
                    continue
                raise _Mismatch(target, f"a decoded frame has timestamp {frame.pts}, which the packets do not "
                                        f"give after frame {position}")
            position = at
        if position == target:
            return frame, position
        if position > target:
            raise _Mismatch(target, f"the decoder gave frame {position} but not frame {target}")
    raise _Mismatch(target, f"the decoder stopped after frame {position}")


def read_frames(container, stream, index: VideoIndex, frame_inds: Sequence[int], path: str,
                mode: str = "accurate") -> list[np.ndarray]:
    """RGB frames (H×W×3 uint8) for `frame_inds` in the order given (repeats allowed).

    "accurate" returns exactly the requested frames: frame `k` is the `k`-th frame the decoder gives when the
    file is decoded from its start. "efficient" returns, for each request, the last key frame at or before it,
    decoding nothing else: much faster on long clips, approximate by design. A file whose packets turn out to
    misstate its frames is indexed again by decoding it (see video_index) and read again; the corrected count
    holds for later samples.
    """
    wanted, order = sorted({int(i) for i in frame_inds}), [int(i) for i in frame_inds]
    _check_range(index, wanted, path)
    for attempt in _indexes_to_try(index, path, stream.index, wanted):
        try:
            return _read(container, stream, attempt, wanted, order, path, mode)
        except _Mismatch as error:
            mismatch = error
    raise _unreadable(path, mismatch, wanted) from None


def _indexes_to_try(index: VideoIndex, path: str, stream_index: int, wanted: list[int]):
    """The cached index; if it came from the packets, one built by decoding the file (cached in its place, its
    count checked against the request); if that one seeks, the same read from the start."""
    yield index
    if not index.decoded:
        promised = index.num_frames
        index = VIDEO_INDEXES.rebuild(path, stream_index)
        _check_range(index, wanted, path, f" (its packets promised {promised}; the count is corrected for later "
                                          f"samples)")
        yield index
    if not index.sequential:  # seeking gave other frames than decoding from the start does
        yield replace(index, sequential=True)


def _unreadable(path: str, mismatch: _Mismatch, wanted: list[int]) -> VideoReadError:
    frame = mismatch.frame if mismatch.frame is not None else wanted[0]
    return VideoReadError(path, f"cannot decode: {mismatch}", frame=frame)


def _check_range(index: VideoIndex, wanted: list[int], path: str, note: str = "") -> None:
    if wanted and (wanted[0] < 0 or wanted[-1] >= index.num_frames):
        bad = wanted[0] if wanted[0] < 0 else wanted[-1]
        raise VideoReadError(path, f"frame index out of range: the video has {index.num_frames} frames{note}",
                             frame=bad)


def _read(container, stream, index: VideoIndex, wanted: list[int], order: list[int], path: str,
          mode: str) -> list[np.ndarray]:
    if mode == "efficient":
        wanted_keys = {i: index.key_frame_before(i) for i in wanted}
        decoded = {key: _read_key_frame(container, stream, index, key, path) for key in set(wanted_keys.values())}
        return in_request_order(decoded, [wanted_keys[i] for i in order])
    return in_request_order(_read_sorted(container, stream, index, wanted, path), order)


def _decode(container, stream, index: VideoIndex, wanted: set[int]):
    """Decoded frames from the current demuxer position, as `decoded_frames` gives them. Frames that no one
    asked for and that no other frame refers to (most B-frames) are not decoded at all: the decoder is told per
    packet, before decoding it, whether it may drop a non-reference frame. Reference frames are always decoded,
    so every requested frame comes out exactly as a full decode would give it. (A sequential file decodes
    every frame: its frames are counted.)"""
    context = stream.codec_context
    for packet in demuxed_packets(container, stream):
        needed = (index.sequential or index.permuted or packet is None or packet.pts is None
                  or index.frame_of(packet.pts) in wanted)
        context.skip_frame = "DEFAULT" if needed else "NONREF"
        try:
            frames = context.decode(packet)
        except av.FFmpegError as error:
            if not index.decoded:  # a frame fewer than the packets promise: the packets' index is wrong
                raise _Mismatch(None, f"a packet does not decode ({error})") from error
            continue  # damaged data, skipped as video_index.decoded_frames skips it when indexing
        yield from frames


def _read_sorted(container, stream, index: VideoIndex, wanted: list[int], path: str) -> dict[int, np.ndarray]:
    if index.sequential:
        return _read_from_start(stream, index, wanted, path)
    try:
        return _read_seeking(container, stream, index, wanted)
    except _SeekFailed as failed:
        if not index.decoded:  # the packets' timestamps are not where the container can go
            raise _Mismatch(None, f"cannot seek: {failed}") from failed
        return _read_from_start(stream, index, wanted, path)


def _seek(container, stream, pts: int) -> None:
    try:
        container.seek(pts, stream=stream, backward=True, any_frame=False)
    except av.FFmpegError as error:
        raise _SeekFailed(str(error)) from error


def _read_seeking(container, stream, index: VideoIndex, wanted: list[int]) -> dict[int, np.ndarray]:
    decoded: dict[int, np.ndarray] = {}
    frames, position, start = None, -1, 0
    for target in wanted:
        key = index.key_frame_before(target)
        if frames is None or key > position + SEEK_GAP:  # cheaper to seek than to decode up to the key frame
            _seek(container, stream, int(index.pts[key]))
            frames, position, start = _decode(container, stream, index, set(wanted)), key - 1, key
        frame, position = _decode_until(frames, index, target, position, start)
        decoded[target] = frame.to_ndarray(format="rgb24")
    return decoded


def _read_from_start(stream, index: VideoIndex, wanted: list[int], path: str) -> dict[int, np.ndarray]:
    """Decode from the start in a container of its own (as `decode_index` did), counting frames: for files
    whose frames only their order identifies, or where seeking fails."""
    decoded: dict[int, np.ndarray] = {}
    with av.open(str(path)) as container:
        own = container.streams[stream.index]  # the same stream: its index counts all streams
        own.thread_type = stream.thread_type
        own.codec_context.thread_count = stream.codec_context.thread_count
        frames, position = _decode(container, own, index, set(wanted)), -1
        for target in wanted:
            frame, position = _decode_until(frames, index, target, position, 0)
            decoded[target] = frame.to_ndarray(format="rgb24")
    return decoded


def _read_key_frame(container, stream, index: VideoIndex, key: int, path: str) -> np.ndarray:
    """Key frame `key` alone: seek to it, decode its packet and drain the decoder, so that no later frame is
    decoded to push it out. Falls back to decoding in order when the packet there is not that frame."""
    if index.sequential:
        return _read_sorted(container, stream, index, [key], path)[key]
    try:
        _seek(container, stream, int(index.pts[key]))
        packet = next(container.demux(stream))
        frames = stream.codec_context.decode(packet) + stream.codec_context.decode(None)
    except (StopIteration, av.FFmpegError, _SeekFailed):
        frames = []
    if frames and index.exact(frames[0].pts) == key:
        return frames[0].to_ndarray(format="rgb24")
    return _read_sorted(container, stream, index, [key], path)[key]
