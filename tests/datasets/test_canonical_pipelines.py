"""DATA.md's canonical TSN and I3D pipelines, train and test, on a generated clip: the documented shapes."""
import numpy as np
import pytest

from vidrun.datasets import VideoDataset

NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_bgr=False)
FORMAT = [dict(type="Collect", keys=["imgs", "label"], meta_keys=[]), dict(type="ToTensor", keys=["imgs", "label"])]

TSN_TRAIN = [
    dict(type="PyAVInit"), dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=3),
    dict(type="PyAVDecode"), dict(type="Resize", scale=(-1, 256)),
    dict(type="MultiScaleCrop", input_size=224, scales=(1, 0.875, 0.75, 0.66), random_crop=False,
         max_wh_scale_gap=1),
    dict(type="Resize", scale=(224, 224), keep_ratio=False), dict(type="Flip", flip_ratio=0.5),
    dict(type="Normalize", **NORM), dict(type="FormatShape", input_format="NCHW"), *FORMAT]
TSN_TEST = [
    dict(type="PyAVInit"), dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=25, test_mode=True),
    dict(type="PyAVDecode"), dict(type="Resize", scale=(-1, 256)), dict(type="TenCrop", crop_size=224),
    dict(type="Normalize", **NORM), dict(type="FormatShape", input_format="NCHW"), *FORMAT]
I3D_TRAIN = [
    dict(type="PyAVInit"), dict(type="SampleFrames", clip_len=32, frame_interval=2, num_clips=1),
    dict(type="PyAVDecode"), dict(type="Resize", scale=(-1, 256)), dict(type="RandomResizedCrop"),
    dict(type="Resize", scale=(224, 224), keep_ratio=False), dict(type="Flip", flip_ratio=0.5),
    dict(type="Normalize", **NORM), dict(type="FormatShape", input_format="NCTHW"), *FORMAT]
I3D_TEST = [
    dict(type="PyAVInit"),
    dict(type="SampleFrames", clip_len=32, frame_interval=2, num_clips=10, test_mode=True),
    dict(type="PyAVDecode"), dict(type="Resize", scale=(-1, 256)), dict(type="ThreeCrop", crop_size=256),
    dict(type="Normalize", **NORM), dict(type="FormatShape", input_format="NCTHW"), *FORMAT]


@pytest.fixture(scope="module")
def ann_file(tmp_path_factory):
    from vidrun.datasets.video_writer import write_video

    root = tmp_path_factory.mktemp("canonical")
    rng = np.random.default_rng(0)
    write_video(root / "clip.mp4", [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(40)])
    (root / "ann.txt").write_text("clip.mp4 7\n")
    return root


@pytest.mark.parametrize("pipeline,shape", [
    (TSN_TRAIN, (3, 3, 224, 224)),            # clips · clip_len frames, NCHW
    (TSN_TEST, (250, 3, 224, 224)),           # 25 clips × 10 crops
    (I3D_TRAIN, (1, 3, 32, 224, 224)),        # one clip of 32 frames, NCTHW
    (I3D_TEST, (30, 3, 32, 256, 256)),        # 10 clips × 3 crops
], ids=["tsn-train", "tsn-test", "i3d-train", "i3d-test"])
def test_documented_shapes(ann_file, pipeline, shape):
    sample = VideoDataset(str(ann_file / "ann.txt"), pipeline, data_prefix=str(ann_file))[0]
    assert tuple(sample["imgs"].shape) == shape
    assert str(sample["imgs"].dtype) == "torch.float32"
    assert sample["label"].tolist() == [7]
    assert set(sample) == {"imgs", "label"}
