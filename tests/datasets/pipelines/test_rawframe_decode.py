import cv2
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
    with pytest.raises(ValueError, match="modality 'Audio' is not supported"):
        RawFrameDecode()(dict(frame_dir=".", modality="Audio", frame_inds=np.array([1])))
    assert PIPELINES.get("RawFrameDecode") is RawFrameDecode


def write_flow(directory, count, template="{}_{:05d}.png", height=6, width=10):
    """`count` pairs of grayscale flow images (PNG: lossless), index i from 1; returns {(direction, i): array}."""
    rng = np.random.default_rng(1)
    flows = {}
    for i in range(1, count + 1):
        for direction in "xy":
            flows[direction, i] = rng.integers(0, 256, (height, width), dtype=np.uint8)
            Image.fromarray(flows[direction, i]).save(directory / template.format(direction, i))
    return flows


def test_flow_reads_x_and_y_grayscale_frames_interleaved(tmp_path):
    flows = write_flow(tmp_path, 4)
    results = dict(frame_dir=str(tmp_path), filename_tmpl="{}_{:05d}.png", modality="Flow",
                   frame_inds=np.array([1, 3, 3, 2]), offset=1)
    out = RawFrameDecode()(results)
    expected = [flows[d, i] for i in (2, 4, 4, 3) for d in "xy"]
    assert len(out["imgs"]) == 8 and all(img.shape == (6, 10) and img.dtype == np.uint8 for img in out["imgs"])
    for img, want in zip(out["imgs"], expected):
        np.testing.assert_array_equal(img, want)
    assert out["img_shape"] == out["original_shape"] == (6, 10)


def test_flow_images_saved_in_colour_are_made_grey_by_opencv_as_mmcv_does(tmp_path):
    colour = np.random.default_rng(2).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    for direction in "xy":
        Image.fromarray(colour).save(tmp_path / f"flow_{direction}_00001.png")
    out = RawFrameDecode()(dict(frame_dir=str(tmp_path), filename_tmpl="flow_{}_{:05d}.png", modality="Flow",
                                frame_inds=np.array([1])))
    raw = np.frombuffer((tmp_path / "flow_x_00001.png").read_bytes(), np.uint8)
    opencv = cv2.imdecode(raw, cv2.IMREAD_GRAYSCALE)  # mmcv.imfrombytes(flag='grayscale')
    with Image.open(tmp_path / "flow_x_00001.png") as image:
        pillow = np.asarray(image.convert("L"))
    assert not np.array_equal(opencv, pillow)  # the two libraries' grey differ on this image
    np.testing.assert_array_equal(out["imgs"][0], opencv)


def test_a_missing_flow_image_names_the_file(tmp_path):
    write_flow(tmp_path, 2)
    (tmp_path / "y_00002.png").unlink()
    with pytest.raises(VideoReadError, match=r"y_00002\.png.*missing frame file"):
        RawFrameDecode()(dict(frame_dir=str(tmp_path), filename_tmpl="{}_{:05d}.png", modality="Flow",
                              frame_inds=np.array([1, 2])))
    with pytest.raises(ValueError, match="modality 'Audio' is not supported"):
        RawFrameDecode()(dict(frame_dir=str(tmp_path), modality="Audio", frame_inds=np.array([1])))


def test_frame_inds_of_shape_n_by_1_are_flattened(frame_dir):
    directory, frames = frame_dir
    out = RawFrameDecode()(dict(frame_dir=str(directory), filename_tmpl="img_{:05}.png",
                                frame_inds=np.array([[2], [6]])))
    assert out["frame_inds"].tolist() == [2, 6]
    np.testing.assert_array_equal(out["imgs"][0], frames[1])
    np.testing.assert_array_equal(out["imgs"][1], frames[5])
