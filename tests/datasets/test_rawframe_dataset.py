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
