"""PyAV decoding of real files written by the tests: exact frames, both modes, several codecs, bad files."""
import numpy as np
import pytest

from vidrun.datasets import PIPELINES
from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.datasets.pipelines.pyav_decode import PyAVDecode, PyAVInit
from vidrun.datasets.pipelines.video_index import VIDEO_INDEXES


def decode(path, frame_inds, mode="accurate", multi_thread=False):
    results = PyAVInit(multi_thread=multi_thread)(dict(filename=path))
    results["frame_inds"] = np.asarray(frame_inds)
    return PyAVDecode(mode=mode, multi_thread=multi_thread)(results)


@pytest.mark.parametrize("index", range(3))
def test_lossless_codecs_return_exactly_the_requested_frames(make_video, helpers, index):
    name, codec, pix_fmt, options = helpers["LOSSLESS"][index]
    frames = helpers["noise_frames"](37)  # an odd count
    path = make_video(name, frames, codec=codec, pix_fmt=pix_fmt, options=options, gop_size=8)
    inds = [36, 0, 17, 17, 5, 30, 9, 35]  # unsorted, repeated, both ends, backwards jumps
    out = decode(path, inds)
    assert out["total_frames"] == 37
    assert len(out["imgs"]) == len(inds)
    for i, img in zip(inds, out["imgs"]):
        assert img.dtype == np.uint8 and img.shape == (32, 48, 3)
        np.testing.assert_array_equal(img, frames[i])
    assert out["original_shape"] == out["img_shape"] == (32, 48)
    assert "video_reader" not in out


@pytest.mark.parametrize("index", range(4))
def test_lossy_codecs_return_the_frame_encoded_at_each_index(make_video, helpers, index):
    name, codec, pix_fmt, options = helpers["LOSSY"][index]
    frames = helpers["moving_block_frames"](29)
    path = make_video(name, frames, codec=codec, pix_fmt=pix_fmt, options=options)
    inds = list(range(0, 29, 3)) + [28, 1]
    assert [helpers["nearest"](img, frames) for img in decode(path, inds)["imgs"]] == inds


@pytest.mark.parametrize("gop", [1, 5, 250])
def test_every_gop_and_random_access_pattern_is_exact(make_video, helpers, gop):
    frames = helpers["noise_frames"](60, 16, 16, seed=gop)
    path = make_video("gop.mp4", frames, codec="libx264rgb", options={"qp": "0"}, gop_size=gop)
    rng = np.random.default_rng(gop)
    for _ in range(5):
        inds = rng.integers(0, 60, size=rng.integers(1, 12))
        for i, img in zip(inds, decode(path, inds)["imgs"]):
            np.testing.assert_array_equal(img, frames[i])


def test_multi_thread_decoding_gives_the_same_frames(make_video, helpers):
    frames = helpers["noise_frames"](40)
    path = make_video("mt.mp4", frames, codec="libx264rgb", options={"qp": "0"}, gop_size=10)
    inds = [3, 14, 25, 39]
    for i, img in zip(inds, decode(path, inds, multi_thread=True)["imgs"]):
        np.testing.assert_array_equal(img, frames[i])


def test_efficient_mode_returns_the_key_frame_at_or_before_each_request(make_video, helpers):
    frames = helpers["noise_frames"](50)
    # No scene-cut detection, which would add key frames on noise: key frames are exactly 0, 10, 20, ...
    path = make_video("eff.mp4", frames, codec="libx264rgb", options={"qp": "0", "x264-params": "scenecut=0"},
                      gop_size=10)
    out = decode(path, [0, 9, 10, 23, 49, 23], mode="efficient")
    for expected, img in zip([0, 0, 10, 20, 40, 20], out["imgs"]):
        np.testing.assert_array_equal(img, frames[expected])


def test_variable_frame_rate_is_indexed_by_frame_not_by_time(make_video, helpers):
    frames = helpers["noise_frames"](21)
    stamps = np.cumsum([0] + [15 if i % 3 else 90 for i in range(20)]).tolist()  # irregular gaps (ms)
    path = make_video("vfr.mkv", frames, codec="libx264rgb", options={"qp": "0"}, timestamps=stamps)
    out = decode(path, [0, 4, 11, 20])
    assert out["total_frames"] == 21
    for i, img in zip([0, 4, 11, 20], out["imgs"]):
        np.testing.assert_array_equal(img, frames[i])


def test_a_file_with_an_audio_stream(tmp_path, helpers):
    import av

    frames = helpers["noise_frames"](25)
    path = str(tmp_path / "audio.mp4")
    with av.open(path, "w") as container:
        video = container.add_stream("libx264rgb", rate=25, options={"qp": "0"})
        video.width, video.height, video.pix_fmt = 48, 32, "rgb24"
        audio = container.add_stream("aac", rate=16000)
        for i, frame in enumerate(frames):
            container.mux(video.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
            samples = av.AudioFrame.from_ndarray(np.zeros((1, 640), np.float32), format="fltp", layout="mono")
            samples.sample_rate, samples.pts = 16000, i * 640
            container.mux(audio.encode(samples))
        container.mux(video.encode())
        container.mux(audio.encode())
    out = decode(path, [0, 12, 24])
    assert out["total_frames"] == 25
    for i, img in zip([0, 12, 24], out["imgs"]):
        np.testing.assert_array_equal(img, frames[i])


def test_duplicate_timestamps_are_read_in_order(tmp_path, helpers):
    import av
    from fractions import Fraction

    frames = helpers["noise_frames"](12)
    path = str(tmp_path / "dup.mkv")
    with av.open(path, "w") as container:  # a broken muxing: every second frame repeats a timestamp
        stream = container.add_stream("ffv1", rate=25)
        stream.width, stream.height, stream.pix_fmt = 48, 32, "bgr0"
        stream.time_base = Fraction(1, 1000)
        for i, frame in enumerate(frames):
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts, video_frame.time_base = (i // 2) * 40, Fraction(1, 1000)
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode())
    out = decode(path, [0, 5, 11, 3])
    for i, img in zip([0, 5, 11, 3], out["imgs"]):
        np.testing.assert_array_equal(img, frames[i])


def test_the_packet_index_is_built_once_per_file_and_renewed_when_the_file_changes(make_video, helpers,
                                                                                   monkeypatch):
    import vidrun.datasets.pipelines.video_index as video_index

    scans = []
    real_scan = video_index.scan_packets
    monkeypatch.setattr(video_index, "scan_packets", lambda *a: scans.append(a[2]) or real_scan(*a))
    path = make_video("cache.mp4", helpers["noise_frames"](10), codec="libx264rgb", options={"qp": "0"})
    for _ in range(3):
        assert decode(path, [1])["total_frames"] == 10
    assert scans == [path]
    make_video("cache.mp4", helpers["noise_frames"](14, seed=3), codec="libx264rgb", options={"qp": "0"})
    assert decode(path, [13])["total_frames"] == 14
    assert scans == [path, path]


def test_a_count_promised_by_packets_but_not_decoded_is_corrected(make_video, helpers):
    path = make_video("short.mp4", helpers["noise_frames"](10), codec="libx264rgb", options={"qp": "0"})
    index = PyAVInit()(dict(filename=path))["video_reader"][2]
    # Pretend the packets promised two frames more than the decoder can give, as damaged files do.
    lying = type(index)(np.concatenate([index.pts, index.pts[-1] + [512, 1024]]), index.keys)
    VIDEO_INDEXES.put(path, lying)
    assert PyAVInit()(dict(filename=path))["total_frames"] == 12
    with pytest.raises(VideoReadError, match=r"short.mp4, frame 11: frame index out of range: the video has 10 "
                                             r"frames \(its packets promised 12; the count is corrected"):
        decode(path, [11])
    assert PyAVInit()(dict(filename=path))["total_frames"] == 10  # later samples never ask for them


@pytest.mark.parametrize("content,message", [
    (None, "No such file"), (b"", "cannot open the video"), (b"\x00\x01garbage" * 300, "cannot open the video"),
])
def test_unreadable_files_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(VideoReadError, match=message) as caught:
        PyAVInit()(dict(filename=str(path)))
    assert caught.value.path == str(path) and str(path) in str(caught.value)


def test_a_truncated_file_keeps_the_frames_before_the_damage(make_video, helpers, tmp_path):
    frames = helpers["noise_frames"](40)
    path = make_video("whole.mkv", frames, codec="ffv1", pix_fmt="bgr0")
    data = open(path, "rb").read()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 2])
    out = PyAVInit()(dict(filename=str(cut)))
    total = out["total_frames"]
    assert 5 < total < 40
    out["frame_inds"] = np.array([0, total - 1])
    imgs = PyAVDecode()(out)["imgs"]
    np.testing.assert_array_equal(imgs[0], frames[0])
    np.testing.assert_array_equal(imgs[1], frames[total - 1])


def test_out_of_range_frames_and_missing_init_are_errors(make_video, helpers):
    path = make_video("range.mp4", helpers["noise_frames"](8), codec="libx264rgb", options={"qp": "0"})
    with pytest.raises(VideoReadError, match=r"range.mp4, frame 8: frame index out of range: the video has 8"):
        decode(path, [2, 8])
    with pytest.raises(KeyError, match="put PyAVInit before it"):
        PyAVDecode()(dict(filename=path, frame_inds=np.array([0])))


def test_arguments_are_checked_and_the_transforms_registered():
    with pytest.raises(ValueError, match="mode must be one of"):
        PyAVDecode(mode="fast")
    with pytest.raises(ValueError, match="io_backend='petrel' is not supported"):
        PyAVInit(io_backend="petrel")
    assert PIPELINES.get("PyAVInit") is PyAVInit and PIPELINES.get("PyAVDecode") is PyAVDecode


@pytest.mark.parametrize("codec,options", [("libx264", {}), ("libx264", {"x264-params": "b-pyramid=strict"}),
                                           ("mpeg4", {"bf": "2"})])
def test_skipping_unrequested_frames_gives_what_a_full_decode_gives(make_video, helpers, codec, options):
    """Frames nothing refers to are not decoded unless requested: the requested ones must still equal, bit for
    bit, what decoding every frame gives (files with B-frames, where skipping happens)."""
    import av

    path = make_video(f"full.{'mp4' if codec == 'libx264' else 'avi'}", helpers["moving_block_frames"](90),
                      codec=codec, options=options, gop_size=30)
    with av.open(path) as container:
        full = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    rng = np.random.default_rng(0)
    for _ in range(8):
        inds = np.sort(rng.choice(90, size=rng.integers(1, 9), replace=False))
        for i, img in zip(inds, decode(path, inds)["imgs"]):
            np.testing.assert_array_equal(img, full[i])


@pytest.mark.parametrize("shape", [(4, 1), (1, 4), (2, 2)])
def test_frame_inds_of_any_shape_are_flattened_as_mmaction2_squeezes_them(make_video, helpers, shape):
    frames = helpers["noise_frames"](10)
    path = make_video("n1.mkv", frames, codec="ffv1", pix_fmt="bgr0")
    out = decode(path, np.array([7, 0, 3, 3]).reshape(shape))
    assert out["frame_inds"].shape == (4,)
    for i, img in zip([7, 0, 3, 3], out["imgs"]):
        np.testing.assert_array_equal(img, frames[i])
    assert len(decode(path, np.array([[5]]))["imgs"]) == 1  # [1, 1], which np.squeeze would make 0-d
