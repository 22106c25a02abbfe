"""The OpenCV backend (MMAction2's `OpenCVInit`/`OpenCVDecode`): the frames and frame count of PyAV's accurate
mode, RGB, on real files written by the tests."""
import struct

import av
import numpy as np
import pytest

from vidrun.datasets import PIPELINES
from vidrun.datasets.pipelines import Compose
from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.datasets.pipelines.opencv_decode import OpenCVDecode, OpenCVInit
from vidrun.datasets.pipelines.pyav_decode import PyAVDecode, PyAVInit


def decode(path, frame_inds, init=OpenCVInit, decoder=OpenCVDecode):
    results = init()(dict(filename=path))
    results["frame_inds"] = np.asarray(frame_inds)
    return decoder()(results)


@pytest.mark.parametrize("index", range(3))
def test_lossless_files_give_the_encoded_frames_as_pyav_does(make_video, helpers, index):
    name, codec, pix_fmt, options = helpers["LOSSLESS"][index]
    frames = helpers["noise_frames"](37)
    path = make_video(name, frames, codec=codec, pix_fmt=pix_fmt, options=options, gop_size=8)
    inds = [36, 0, 17, 17, 5, 30, 9, 35]
    out = decode(path, inds)
    pyav = decode(path, inds, PyAVInit, PyAVDecode)
    assert out["total_frames"] == pyav["total_frames"] == 37
    for i, img, other in zip(inds, out["imgs"], pyav["imgs"]):
        assert img.dtype == np.uint8 and img.shape == (32, 48, 3) and img.flags["C_CONTIGUOUS"]
        np.testing.assert_array_equal(img, frames[i])  # RGB, not OpenCV's BGR
        np.testing.assert_array_equal(img, other)
    assert out["original_shape"] == out["img_shape"] == (32, 48)
    assert out["new_path"] == path and "video_reader" not in out
    out["imgs"][3][...] = 0  # a repeated frame is a copy of its own
    np.testing.assert_array_equal(out["imgs"][2], frames[17])


def test_a_lossy_file_with_b_frames_gives_pyavs_pixels(make_video, helpers):
    path = make_video("h264.mp4", helpers["moving_block_frames"](50), codec="libx264", gop_size=12)
    inds = np.array([[49], [3], [20], [21]])  # [N, 1], as MMAction2's decoders accept
    out, pyav = decode(path, inds), decode(path, inds, PyAVInit, PyAVDecode)
    assert out["frame_inds"].tolist() == [49, 3, 20, 21]
    for img, other in zip(out["imgs"], pyav["imgs"]):
        np.testing.assert_array_equal(img, other)


def test_the_count_is_the_frames_that_decode_not_the_containers_claim(make_video, helpers):
    frames = helpers["noise_frames"](30)
    path = make_video("count.avi", frames, codec="huffyuv")
    data = bytearray(open(path, "rb").read())
    struct.pack_into("<I", data, data.find(b"avih") + 8 + 16, 444)
    struct.pack_into("<I", data, data.find(b"strh") + 8 + 32, 444)
    open(path, "wb").write(bytes(data))
    out = decode(path, [29])
    assert out["total_frames"] == 30  # cv2.CAP_PROP_FRAME_COUNT says 444
    np.testing.assert_array_equal(out["imgs"][0], frames[29])


def test_in_a_pipeline_built_from_a_config(make_video, helpers):
    frames = helpers["noise_frames"](20)
    path = make_video("cfg.mkv", frames, codec="ffv1", pix_fmt="bgr0")
    pipeline = Compose([dict(type="OpenCVInit", num_threads=1),  # as tsn_r50_video_inference_1x1x3 writes it
                        dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=3, test_mode=True),
                        dict(type="OpenCVDecode")])
    out = pipeline(dict(filename=path, start_index=0, modality="RGB"))
    assert out["frame_inds"].tolist() == [3, 10, 16]
    for i, img in zip([3, 10, 16], out["imgs"]):
        np.testing.assert_array_equal(img, frames[i])


def test_errors_name_the_file_and_frame(make_video, helpers, tmp_path):
    path = make_video("range.mkv", helpers["noise_frames"](8), codec="ffv1", pix_fmt="bgr0")
    with pytest.raises(VideoReadError, match=r"range.mkv, frame 8: frame index out of range: the video has 8"):
        decode(path, [2, 8])
    with pytest.raises(KeyError, match="put OpenCVInit before it"):
        OpenCVDecode()(dict(filename=path, frame_inds=np.array([0])))
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x01garbage" * 300)
    with pytest.raises(VideoReadError, match="bad.mp4: cannot open the video"):
        OpenCVInit()(dict(filename=str(bad)))


def test_arguments_and_registration():
    with pytest.raises(ValueError, match="io_backend='petrel' is not supported"):
        OpenCVInit(io_backend="petrel")
    with pytest.raises(ValueError, match="num_threads must be an int >= 0"):
        OpenCVInit(num_threads=-1)
    assert PIPELINES.get("OpenCVInit") is OpenCVInit and PIPELINES.get("OpenCVDecode") is OpenCVDecode
    assert repr(OpenCVInit(num_threads=2)) == "OpenCVInit(io_backend='disk', num_threads=2)"


def test_packed_b_frames_give_pyavs_frames_and_count(packed_avi):
    _, packed = packed_avi
    with av.open(packed) as container:
        expected = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    inds = [39, 16, 0, 17, 3]
    out = decode(packed, inds)
    assert out["total_frames"] == len(expected) == 40
    for i, img in zip(inds, out["imgs"]):
        np.testing.assert_array_equal(img, expected[i])
