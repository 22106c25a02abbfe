import json

import numpy as np
import pytest
from PIL import Image

from vidrun.datasets import RawframeDataset
from vidrun.datasets.annotations import AnnotationError

PIPELINE = [dict(type="SampleFrames", clip_len=2, num_clips=1, test_mode=True), dict(type="RawFrameDecode")]


@pytest.fixture
def frames_root(tmp_path, helpers):
    frames = helpers["noise_frames"](5)
    folder = tmp_path / "frames" / "v0"
    folder.mkdir(parents=True)
    for i, frame in enumerate(frames, start=1):
        Image.fromarray(frame).save(folder / f"img_{i:05d}.png")
    return tmp_path, frames


def test_frame_folders_are_read_from_start_index_one(frames_root):
    root, frames = frames_root
    (root / "ann.txt").write_text("v0 4 3\n")
    dataset = RawframeDataset(str(root / "ann.txt"), PIPELINE, data_prefix=str(root / "frames"),
                              filename_tmpl="img_{:05}.png")
    assert dataset.video_infos == [dict(frame_dir=str(root / "frames" / "v0"), filename_tmpl="img_{:05}.png",
                                        total_frames=4, label=3)]
    out = dataset[0]
    # test mode over 4 frames, clip_len 2: offset int(3/2)=1, frames 1 and 2 (0-based) are img_00002, img_00003
    assert out["frame_inds"].tolist() == [2, 3] and out["start_index"] == 1
    np.testing.assert_array_equal(out["imgs"][0], frames[1])
    np.testing.assert_array_equal(out["imgs"][1], frames[2])


def test_offsets_and_json(frames_root):
    root, frames = frames_root
    (root / "ann.txt").write_text("v0 2 3 1\n")
    dataset = RawframeDataset(str(root / "ann.txt"), PIPELINE, data_prefix=str(root / "frames"),
                              filename_tmpl="img_{:05}.png", with_offset=True)
    assert dataset.video_infos[0]["offset"] == 2 and dataset.video_infos[0]["total_frames"] == 3
    np.testing.assert_array_equal(dataset[0]["imgs"][0], frames[3])  # frame index 2 (1 + start 1) + offset 2
    (root / "ann.json").write_text(json.dumps([dict(frame_dir="v0", total_frames=5, label=[0, 2])]))
    multi = RawframeDataset(str(root / "ann.json"), [], data_prefix=str(root / "frames"), multi_class=True,
                            num_classes=3)
    assert multi.video_infos[0]["label"] == [0, 2] and multi.video_infos[0]["total_frames"] == 5


@pytest.mark.parametrize("line,kwargs,message", [
    ("v0 3\n", {}, r"ann.txt:1: expected 'frame_dir TOTAL_FRAMES LABEL'"),
    ("v0 3 1\n", dict(with_offset=True), r"ann.txt:1: expected 'frame_dir OFFSET TOTAL_FRAMES LABEL'"),
    ("v0 many 1\n", {}, r"ann.txt:1: TOTAL_FRAMES must be an integer, got 'many'"),
    ("v0 0 1\n", {}, r"ann.txt:1: TOTAL_FRAMES must be at least 1"),
])
def test_annotation_errors(tmp_path, line, kwargs, message):
    (tmp_path / "ann.txt").write_text(line)
    with pytest.raises(AnnotationError, match=message):
        RawframeDataset(str(tmp_path / "ann.txt"), [], **kwargs)


def test_flow_dataset_reads_mmaction2_flow_layout(tmp_path):
    folder = tmp_path / "flow" / "v0"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    flows = {}
    for i in range(1, 9):
        for direction in "xy":
            flows[direction, i] = rng.integers(0, 256, (8, 12), dtype=np.uint8)
            Image.fromarray(flows[direction, i]).save(folder / f"{direction}_{i:05d}.png")
    (tmp_path / "ann.txt").write_text("v0 8 2\n")
    pipeline = [dict(type="SampleFrames", clip_len=3, frame_interval=1, num_clips=2, test_mode=True),
                dict(type="RawFrameDecode")]
    dataset = RawframeDataset(str(tmp_path / "ann.txt"), pipeline, data_prefix=str(tmp_path / "flow"),
                              filename_tmpl="{}_{:05d}.png", modality="Flow")
    out = dataset[0]
    assert out["modality"] == "Flow" and out["start_index"] == 1
    # test mode, 8 frames, 2 clips of 3: clip offsets 1 and 4 (0-based), frames 2-4 and 5-7 counted from 1
    assert out["frame_inds"].tolist() == [2, 3, 4, 5, 6, 7]
    expected = [flows[d, i] for i in [2, 3, 4, 5, 6, 7] for d in "xy"]
    assert len(out["imgs"]) == 12
    for img, want in zip(out["imgs"], expected):
        np.testing.assert_array_equal(img, want)


@pytest.mark.parametrize("template, words", [
    ("img_{:05d}.jpg", "needs a filename_tmpl with the direction and the index"),
    ("img_{:05}.jpg", "the same file for every frame"),
    ("flow_{}.jpg", "the same file for every frame"),
    ("{1}_{1:05d}.jpg", "the same file for both flow directions"),
])
def test_flow_templates_that_cannot_name_x_and_y_frames_are_refused(tmp_path, template, words):
    (tmp_path / "ann.txt").write_text("v0 8 2\n")
    with pytest.raises(ValueError, match=words):
        RawframeDataset(str(tmp_path / "ann.txt"), [], filename_tmpl=template, modality="Flow")


def test_other_modalities_are_refused_by_name(tmp_path):
    from vidrun.datasets import VideoDataset
    (tmp_path / "ann.txt").write_text("v0.mp4 2\n")
    with pytest.raises(ValueError, match="VideoDataset: modality 'Flow' is not supported; it reads 'RGB'"):
        VideoDataset(str(tmp_path / "ann.txt"), [], modality="Flow")
    with pytest.raises(ValueError, match="modality 'Audio' is not supported; it reads 'RGB' or 'Flow'"):
        RawframeDataset(str(tmp_path / "ann.txt"), [], modality="Audio")
