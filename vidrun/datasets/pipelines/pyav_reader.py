"""Reading chosen frames of a video with PyAV: exactly the requested ones, decoding as little as possible.

Frames are decoded from the key frame before the first requested one. When the next requested frame lies beyond
the following key frame, the reader seeks there instead of decoding everything in between; frames that are only
passed through are never converted to RGB, and those that no other frame refers to are not decoded at all. The cost of sparse access is therefore
set by the key-frame interval of the file, not by its length.
"""
from __future__ import annotations

from collections.abc import Sequence

import av
import numpy as np

from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.datasets.pipelines.video_index import VIDEO_INDEXES, VideoIndex

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


def _decode_until(frames, index: VideoIndex, target: int, path: str, position: int):
    """Advance the decoder from frame `position` to frame `target`; returns (frame, index of the last frame
    decoded)."""
    try:
        for frame in frames:
            position = position + 1 if index.sequential else index.frame_of(frame.pts)
            if position >= target:
                return (frame if position == target else None), position
    except av.FFmpegError as error:
        raise VideoReadError(path, f"cannot decode: {error}", frame=target) from error
    return None, position


def read_frames(container, stream, index: VideoIndex, frame_inds: Sequence[int], path: str,
                mode: str = "accurate") -> list[np.ndarray]:
    """RGB frames (H×W×3 uint8) for `frame_inds` in the order given (repeats allowed).

    "accurate" returns exactly the requested frames. "efficient" returns, for each request, the last key frame
    at or before it, decoding nothing else: much faster on long clips, approximate by design.
    """
    wanted = sorted({int(i) for i in frame_inds})
    if wanted and (wanted[0] < 0 or wanted[-1] >= index.num_frames):
        bad = wanted[0] if wanted[0] < 0 else wanted[-1]
        raise VideoReadError(path, f"frame index out of range: the video has {index.num_frames} frames", frame=bad)
    if mode == "efficient":
        wanted_keys = {i: index.key_frame_before(i) for i in wanted}
        decoded = {key: _read_key_frame(container, stream, index, key, path) for key in set(wanted_keys.values())}
        return _in_order(decoded, [wanted_keys[int(i)] for i in frame_inds])
    decoded = _read_sorted(container, stream, index, wanted, path)
    return _in_order(decoded, [int(i) for i in frame_inds])


def _in_order(decoded: dict[int, np.ndarray], order: list[int]) -> list[np.ndarray]:
    """The frames in request order; a frame requested again is a copy, so in-place transforms stay local."""
    seen: set[int] = set()
    frames = []
    for i in order:
        frames.append(decoded[i] if i not in seen else decoded[i].copy())
        seen.add(i)
    return frames


def _decode(container, stream, index: VideoIndex, wanted: set[int]):
    """Decoded frames from the current demuxer position. Frames that no one asked for and that no other frame
    refers to (most B-frames) are not decoded at all: the decoder is told per packet, before decoding it,
    whether it may drop a non-reference frame. Reference frames are always decoded, so every requested frame
    comes out exactly as a full decode would give it."""
    context = stream.codec_context
    for packet in container.demux(stream):
        needed = index.sequential or packet.pts is None or index.frame_of(packet.pts) in wanted
        context.skip_frame = "DEFAULT" if needed else "NONREF"
        yield from context.decode(packet)


def _read_sorted(container, stream, index: VideoIndex, wanted: list[int], path: str) -> dict[int, np.ndarray]:
    decoded: dict[int, np.ndarray] = {}
    frames, position = None, -1
    for target in wanted:
        key = index.key_frame_before(target)
        if frames is None or key > position + SEEK_GAP:  # cheaper to seek than to decode up to the key frame
            container.seek(int(index.pts[key]) if not index.sequential else 0, stream=stream, backward=True,
                           any_frame=False)
            frames, position = _decode(container, stream, index, set(wanted)), key - 1
        frame, position = _decode_until(frames, index, target, path, position)
        if frame is None:
            _missing(index, target, position, path)
        decoded[target] = frame.to_ndarray(format="rgb24")
    return decoded


def _read_key_frame(container, stream, index: VideoIndex, key: int, path: str) -> np.ndarray:
    """Key frame `key` alone: seek to it, decode its packet and drain the decoder, so that no later frame is
    decoded to push it out. Falls back to decoding in order when the packet there is not that frame."""
    if index.sequential:
        return _read_sorted(container, stream, index, [key], path)[key]
    container.seek(int(index.pts[key]), stream=stream, backward=True, any_frame=False)
    try:
        packet = next(container.demux(stream))
        frames = stream.codec_context.decode(packet) + stream.codec_context.decode(None)
    except (StopIteration, av.FFmpegError):
        frames = []
    if frames and index.frame_of(frames[0].pts) == key:
        return frames[0].to_ndarray(format="rgb24")
    return _read_sorted(container, stream, index, [key], path)[key]


def _missing(index: VideoIndex, target: int, position: int, path: str) -> None:
    if position < target:
        # The packets promised more frames than the decoder gives: remember the real count so that sampling
        # never asks for those frames again, and report this request.
        VIDEO_INDEXES.put(path, index.truncated(max(position + 1, 1)))
        raise VideoReadError(path, f"the decoder stopped after frame {position} although the file's packets "
                             f"promise {index.num_frames} frames; the count is corrected for later samples",
                             frame=target)
    raise VideoReadError(path, f"no decoded frame has the timestamp of frame {target}", frame=target)
