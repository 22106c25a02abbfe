"""PyAV reading of files as real data sets have them: DivX/XviD packed B-frames in AVI (UCF-101, HMDB-51), damaged
streams, containers that misstate their frame count. Frame k must be the k-th frame a sequential decode gives.

The packed file comes from the `packed_avi` fixture (conftest.py beside this file, which says how it is built);
FFmpeg's own `mpeg4_unpack_bframes` filter restoring the original packets proves the packing.
"""
import re
import struct

import av
import av.bitstream
import numpy as np
import pytest

from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.datasets.pipelines.pyav_decode import PyAVDecode, PyAVInit
from vidrun.datasets.video_writer import write_video

def plain_decode(path):
    """`for frame in container.decode(video=0)`: timestamps and RGB frames, up to the first error if any."""
    stamps, frames = [], []
    with av.open(path) as container:
        try:
            for frame in container.decode(video=0):
                stamps.append(frame.pts)
                frames.append(frame.to_ndarray(format="rgb24"))
        except av.InvalidDataError:
            pass
    return stamps, frames


def every_packet_decoded(path):
    """Every packet decoded in order, a packet the decoder rejects skipped: what decodes of a damaged file."""
    frames = []
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        for packet in container.demux(stream):
            try:
                frames += [frame.to_ndarray(format="rgb24") for frame in stream.codec_context.decode(packet)]
            except av.InvalidDataError:
                continue
    return frames


def read(path, inds, mode="accurate"):
    results = PyAVInit()(dict(filename=path))
    total = results["total_frames"]
    results["frame_inds"] = np.asarray(inds)
    return total, PyAVDecode(mode=mode)(results)["imgs"]


def test_the_test_file_is_packed_bitstream_as_ffmpeg_knows_it(packed_avi):
    plain, packed = packed_avi
    with av.open(plain) as container:
        original = [bytes(packet) for packet in container.demux(video=0) if packet.size]
    unpacked = []
    with av.open(packed) as container:
        stream = container.streams.video[0]
        bsf = av.bitstream.BitStreamFilterContext("mpeg4_unpack_bframes", stream)
        for packet in container.demux(stream):
            unpacked += [bytes(out) for out in bsf.filter(packet if packet.size else None)]
    assert len(unpacked) == len(original) == 40
    # identical but for the marker in key packets (whose 'p', packed, the filter overwrites)
    assert [re.sub(rb"\x00\x00\x01\xb2DivX503b1393.", b"", u, flags=re.S) for u in unpacked] == original
    stamps, frames = plain_decode(packed)
    assert len(frames) == 40 and stamps != sorted(stamps)  # the timestamps come out of order: 1, 3, 2, 5, 4, ...
    for mine, theirs in zip(frames, plain_decode(plain)[1]):
        np.testing.assert_array_equal(mine, theirs)


def test_packed_b_frames_read_exactly_the_frames_of_a_sequential_decode(packed_avi):
    _, packed = packed_avi
    _, expected = plain_decode(packed)
    rng = np.random.default_rng(0)
    requests = [[16], [0, 1, 2, 3, 4, 5], [39, 3, 3, 20], list(range(40))]
    requests += [sorted(rng.choice(40, 8, replace=False)) for _ in range(3)]
    for inds in requests:
        total, imgs = read(packed, inds)
        assert total == 40
        for i, img in zip(inds, imgs):
            np.testing.assert_array_equal(img, expected[i])
    # indexed by decoding, frames found by their (out of order) timestamps: still read by seeking to key frames
    index = PyAVInit()(dict(filename=packed))["video_reader"][2]
    assert index.decoded and index.permuted and not index.sequential and len(index.keys) == 4


def test_packed_b_frames_in_efficient_mode_give_key_frames(packed_avi):
    plain, packed = packed_avi
    _, expected = plain_decode(packed)
    with av.open(plain) as container:
        keys = [i for i, frame in enumerate(container.decode(video=0)) if frame.key_frame]
    assert keys[:2] == [0, 11] or keys[:2] == [0, 12]
    _, imgs = read(packed, [5, keys[1], 39], mode="efficient")
    for key, img in zip([0, keys[1], keys[-1]], imgs):
        np.testing.assert_array_equal(img, expected[key])


def damaged(tmp_path, name, frames, **kwargs):
    path = write_video(tmp_path / name, frames, **kwargs)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 400] = np.random.default_rng(0).integers(0, 256, 400, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return str(path)


@pytest.mark.parametrize("name,kwargs", [
    ("ffv1.mkv", dict(codec="ffv1", pix_fmt="bgr0")),
    ("h264.mp4", dict(codec="libx264", gop_size=12)),
])
def test_a_damaged_stream_gives_what_decodes(tmp_path, helpers, name, kwargs):
    path = damaged(tmp_path, name, helpers["moving_block_frames"](60), **kwargs)
    expected = every_packet_decoded(path)
    _, until_error = plain_decode(path)
    assert len(until_error) < len(expected) < 60  # a plain decode stops at the damage; some packets are lost
    promised, imgs = read(path, list(range(len(expected))))  # a sample that goes through the damage
    assert promised > len(expected)  # what the packets promise, until a read meets the damage
    for mine, theirs in zip(imgs, expected):
        np.testing.assert_array_equal(mine, theirs)
    for mine, theirs in zip(imgs, until_error):  # the frames a plain decode gives are the same
        np.testing.assert_array_equal(mine, theirs)
    total, imgs = read(path, [len(expected) - 1, 2])  # later samples: the true count, the same frames
    assert total == len(expected)
    np.testing.assert_array_equal(imgs[0], expected[-1])
    with pytest.raises(VideoReadError, match=rf"{name}, frame {len(expected)}: frame index out of range"):
        read(path, [len(expected)])


@pytest.mark.parametrize("claimed", [444, 7])
def test_a_container_that_misstates_its_frame_count(tmp_path, helpers, claimed):
    frames = helpers["noise_frames"](30)
    path = write_video(tmp_path / "count.avi", frames, codec="huffyuv")
    data = bytearray(path.read_bytes())
    avih, strh = data.find(b"avih"), data.find(b"strh")
    struct.pack_into("<I", data, avih + 8 + 16, claimed)  # dwTotalFrames of the main header
    struct.pack_into("<I", data, strh + 8 + 32, claimed)  # dwLength of the video stream header
    path.write_bytes(bytes(data))
    with av.open(str(path)) as container:
        assert container.streams.video[0].frames == claimed  # what MMAction2's PyAVInit takes as total_frames
    total, imgs = read(str(path), [29, 0, 15])
    assert total == 30
    for i, img in zip([29, 0, 15], imgs):
        np.testing.assert_array_equal(img, frames[i])


def test_indexing_by_decoding_finds_the_video_stream_behind_an_audio_stream(tmp_path, helpers):
    from fractions import Fraction

    from vidrun.datasets.pipelines.video_index import VIDEO_INDEXES

    frames = helpers["noise_frames"](12)
    path = str(tmp_path / "audio_first.mkv")
    with av.open(path, "w") as container:
        audio = container.add_stream("pcm_s16le", rate=8000, layout="mono")
        video = container.add_stream("ffv1", rate=25)
        video.width, video.height, video.pix_fmt = 48, 32, "bgr0"
        for i, frame in enumerate(frames):
            container.mux(video.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
            samples = av.AudioFrame.from_ndarray(np.zeros((1, 320), np.int16), format="s16", layout="mono")
            samples.sample_rate, samples.pts, samples.time_base = 8000, i * 320, Fraction(1, 8000)
            container.mux(audio.encode(samples))
        container.mux(video.encode())
    index = PyAVInit()(dict(filename=path))["video_reader"][2]
    assert index.num_frames == 12
    # packets that promise two frames more than decode: the read indexes the file by decoding it
    VIDEO_INDEXES.put(path, type(index)(np.concatenate([index.pts, index.pts[-1] + [40, 80]]), index.keys))
    with pytest.raises(VideoReadError, match="the video has 12 frames \\(its packets promised 14"):
        read(path, [13])
    total, imgs = read(path, [11, 4])
    assert total == 12 and VIDEO_INDEXES.get(path, None, None).decoded
    np.testing.assert_array_equal(imgs[0], frames[11])
    np.testing.assert_array_equal(imgs[1], frames[4])
