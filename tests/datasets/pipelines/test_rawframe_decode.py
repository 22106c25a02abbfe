import numpy as np
import pytest
from PIL import Image

from vidrun.datasets import PIPELINES
from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.datasets.pipelines.rawframe_decode import RawFrameDecode


@pytest.fixture
def frame_dir(tmp_path, helpers):
    frames = helpers["noise_frames"](6)
    for i, frame in enumerate(frames, start=1):  # PNG: lossless, so frames compare exactly
        Image.fromarray(frame).save(tmp_path / f"img_{i:05d}.png")
    return tmp_path, frames


def test_frames_are_read_with_the_template_start_index_and_offset(frame_dir):
    directory, frames = frame_dir
    results = dict(frame_dir=str(directory), filename_tmpl="img_{:05}.png", frame_inds=np.array([1, 3, 3, 6]))
    out = RawFrameDecode()(results)
    for i, img in zip([0, 2, 2, 5], out["imgs"]):
        np.testing.assert_array_equal(img, frames[i])
    assert out["original_shape"] == out["img_shape"] == (32, 48)
    shifted = RawFrameDecode()(dict(results, offset=2, frame_inds=np.array([1, 4])))
    np.testing.assert_array_equal(shifted["imgs"][0], frames[2])
    np.testing.assert_array_equal(shifted["imgs"][1], frames[5])


def test_a_missing_or_corrupt_frame_names_the_file_and_frame(frame_dir):
    directory, _ = frame_dir
    with pytest.raises(VideoReadError, match=r"img_00007.png, frame 7: missing frame file"):
        RawFrameDecode()(dict(frame_dir=str(directory), filename_tmpl="img_{:05}.png", frame_inds=np.array([7])))
    (directory / "img_00002.png").write_bytes(b"broken")
    with pytest.raises(VideoReadError, match=r"img_00002.png, frame 2: cannot read the image"):
        RawFrameDecode()(dict(frame_dir=str(directory), filename_tmpl="img_{:05}.png", frame_inds=np.array([2])))


def test_arguments_and_registration():
    with pytest.raises(ValueError, match="unknown decoding_backend"):
        RawFrameDecode(decoding_backend="magic")
    with pytest.raises(ValueError, match="modality 'Flow' is not supported"):
        RawFrameDecode()(dict(frame_dir=".", modality="Flow", frame_inds=np.array([1])))
    assert PIPELINES.get("RawFrameDecode") is RawFrameDecode


def test_frame_inds_of_shape_n_by_1_are_flattened(frame_dir):
    directory, frames = frame_dir
    out = RawFrameDecode()(dict(frame_dir=str(directory), filename_tmpl="img_{:05}.png",
                                frame_inds=np.array([[2], [6]])))
    assert out["frame_inds"].tolist() == [2, 6]
    np.testing.assert_array_equal(out["imgs"][0], frames[1])
    np.testing.assert_array_equal(out["imgs"][1], frames[5])
