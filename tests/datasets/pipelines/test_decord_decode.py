"""The decord backend on the same real files: exact frames in accurate mode, key frames in efficient mode."""
import numpy as np
import pytest

from vidrun.datasets import PIPELINES
from vidrun.datasets.pipelines.decord_decode import DecordDecode, DecordInit
from vidrun.datasets.pipelines.errors import VideoReadError

pytest.importorskip("decord", reason="the decord backend is an extra: pip install 'vidrun[decord]'")

# decord2 3.4 fails on some frame widths (48 and 96 among them: "DECORDArrayCopyFromTo: The size must exactly
# match"); these tests use 64-pixel-wide frames.


def decode(path, frame_inds, mode="accurate"):
    results = DecordInit()(dict(filename=path))
    results["frame_inds"] = np.asarray(frame_inds)
    return DecordDecode(mode=mode)(results)


def test_accurate_mode_returns_exactly_the_requested_frames(make_video, helpers):
    frames = helpers["noise_frames"](37, 32, 64)
    path = make_video("x264rgb.mp4", frames, codec="libx264rgb", options={"qp": "0"}, gop_size=8)
    inds = [36, 0, 17, 17, 5, 30]
    out = decode(path, inds)
    assert out["total_frames"] == 37 and out["img_shape"] == (32, 64)
    for i, img in zip(inds, out["imgs"]):
        np.testing.assert_array_equal(img, frames[i])


@pytest.mark.parametrize("index", [0, 1])
def test_lossy_files_give_the_frame_encoded_at_each_index(make_video, helpers, index):
    name, codec, pix_fmt, options = helpers["LOSSY"][index]
    frames = helpers["moving_block_frames"](29)
    path = make_video(name, frames, codec=codec, pix_fmt=pix_fmt, options=options)
    inds = list(range(0, 29, 4))
    assert [helpers["nearest"](img, frames) for img in decode(path, inds)["imgs"]] == inds


def test_efficient_mode_returns_the_key_frame_before_each_request(make_video, helpers):
    frames = helpers["noise_frames"](50, 32, 64)
    path = make_video("eff.mp4", frames, codec="libx264rgb", options={"qp": "0", "x264-params": "scenecut=0"},
                      gop_size=10)
    out = decode(path, [3, 25, 49], mode="efficient")
    for expected, img in zip([0, 20, 40], out["imgs"]):
        np.testing.assert_array_equal(img, frames[expected])


def test_the_backends_agree(make_video, helpers):
    from vidrun.datasets.pipelines.pyav_decode import PyAVDecode, PyAVInit

    path = make_video("agree.mp4", helpers["moving_block_frames"](30), gop_size=12)
    results = PyAVInit()(dict(filename=path))
    results["frame_inds"] = np.array([1, 13, 29])
    by_pyav = PyAVDecode()(results)["imgs"]
    by_decord = decode(path, [1, 13, 29])["imgs"]
    for a, b in zip(by_pyav, by_decord):
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 2  # both decode the same bits; colour conversion
        # may round differently


def test_bad_files_and_indices_name_the_file(tmp_path, make_video, helpers):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video" * 100)
    with pytest.raises(VideoReadError, match=r"bad.mp4: cannot open the video"):
        DecordInit()(dict(filename=str(bad)))
    with pytest.raises(VideoReadError, match=r"cannot open the video"):
        DecordInit()(dict(filename=str(tmp_path / "missing.mp4")))
    path = make_video("ok.mp4", helpers["noise_frames"](6, 32, 64))
    with pytest.raises(VideoReadError, match=r"ok.mp4, frame 6: frame index out of range: the video has 6"):
        decode(path, [0, 6])


def test_arguments_and_registration():
    with pytest.raises(ValueError, match="mode must be one of"):
        DecordDecode(mode="exact")
    with pytest.raises(ValueError, match="num_threads must be an int"):
        DecordInit(num_threads=-1)
    assert PIPELINES.get("DecordInit") is DecordInit and PIPELINES.get("DecordDecode") is DecordDecode


def test_frame_inds_of_shape_n_by_1_are_flattened(make_video, helpers):
    frames = helpers["noise_frames"](12, 32, 64)
    path = make_video("n1.mp4", frames, codec="libx264rgb", options={"qp": "0"})
    out = decode(path, np.array([[9], [2], [2]]))
    assert out["frame_inds"].tolist() == [9, 2, 2]
    for i, img in zip([9, 2, 2], out["imgs"]):
        np.testing.assert_array_equal(img, frames[i])
