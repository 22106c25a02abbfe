"""DATA.md's canonical TSN and I3D pipelines, train and test, on a generated clip: the documented shapes, and
the transforms' pixels against a restatement of MMAction2 0.24 on mmcv 1.7."""
import random

import cv2
import numpy as np
import pytest

from vidrun.datasets import VideoDataset
from vidrun.datasets.pipelines import Compose

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


# --- The canonical transforms against a restatement of MMAction2 0.24 on mmcv 1.7 (same seed, same pixels) ---

def mm_resize(frames, size):
    """mmcv.imresize (cv2 backend, bilinear) of each frame."""
    return [cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR) for frame in frames]


def mm_short_side(frames, short):
    """Resize(scale=(-1, short)): mmcv.rescale_size((w, h), (inf, short)), sides int(x · factor + 0.5)."""
    h, w = frames[0].shape[:2]
    factor = short / min(h, w)
    return mm_resize(frames, (int(w * factor + 0.5), int(h * factor + 0.5)))


def mm_multi_scale_crop(frames, scales, max_gap):
    h, w = frames[0].shape[:2]
    sizes = [int(min(h, w) * s) for s in scales]
    crop = random.choice([[cw, ch] for i, ch in enumerate(sizes) for j, cw in enumerate(sizes)
                          if abs(i - j) <= max_gap])
    cw, ch = [224 if abs(c - 224) < 3 else c for c in crop]
    ws, hs = (w - cw) // 4, (h - ch) // 4
    x, y = random.choice([(0, 0), (4 * ws, 0), (0, 4 * hs), (4 * ws, 4 * hs), (2 * ws, 2 * hs)])
    return [frame[y:y + ch, x:x + cw] for frame in frames]


def mm_normalize(frames):
    out = np.empty((len(frames), *frames[0].shape), dtype=np.float32)
    for i, frame in enumerate(frames):
        out[i] = frame
    for img in out:
        cv2.subtract(img, np.float64(np.float32(NORM["mean"]).reshape(1, -1)), img)
        cv2.multiply(img, 1 / np.float64(np.float32(NORM["std"]).reshape(1, -1)), img)
    return out


def mm_train(frames, scales, max_gap):
    frames = mm_short_side(frames, 256)
    frames = mm_resize(mm_multi_scale_crop(frames, scales, max_gap), (224, 224))
    if np.random.rand() < 0.5:
        frames = [cv2.flip(frame, 1) for frame in frames]
    return mm_normalize(frames)


def decoded(n, h=240, w=320):
    return list(np.random.default_rng(n).integers(0, 256, (n, h, w, 3), dtype=np.uint8))


@pytest.mark.parametrize("name, pipeline, num_clips, clip_len, scales, max_gap", [
    ("tsn", TSN_TRAIN, 3, 1, (1, 0.875, 0.75, 0.66), 1),
    ("i3d", [*I3D_TRAIN[:4], dict(type="MultiScaleCrop", input_size=224, scales=(1, 0.8), random_crop=False,
                                  max_wh_scale_gap=0), *I3D_TRAIN[5:]], 1, 32, (1, 0.8), 0),
], ids=["tsn-train", "i3d-train"])
def test_train_transforms_equal_mmaction2_pixels(name, pipeline, num_clips, clip_len, scales, max_gap):
    transforms = Compose(pipeline[3:])  # after decoding
    frames = decoded(num_clips * clip_len)
    for seed in range(4):
        random.seed(seed)
        np.random.seed(seed)
        expected = mm_train(frames, scales, max_gap)
        expected = (expected.transpose(0, 3, 1, 2) if name == "tsn" else
                    expected.reshape(1, 1, clip_len, 224, 224, 3).transpose(0, 1, 5, 2, 3, 4)
                    .reshape(1, 3, clip_len, 224, 224))
        random.seed(seed)
        np.random.seed(seed)
        results = transforms(dict(imgs=list(frames), modality="RGB", num_clips=num_clips, clip_len=clip_len,
                                  label=7))
        np.testing.assert_array_equal(results["imgs"].numpy(), expected)


def test_test_transforms_equal_mmaction2_pixels_and_view_order():
    frames = decoded(2)
    results = Compose(TSN_TEST[3:])(dict(imgs=list(frames), modality="RGB", num_clips=2, clip_len=1, label=0))
    resized = mm_short_side(frames, 256)  # 256×341
    h, w = resized[0].shape[:2]
    ws, hs = (w - 224) // 4, (h - 224) // 4
    views = []
    for x, y in [(0, 0), (4 * ws, 0), (0, 4 * hs), (4 * ws, 4 * hs), (2 * ws, 2 * hs)]:
        crop = [frame[y:y + 224, x:x + 224] for frame in resized]
        views += crop + [np.flip(c, axis=1).copy() for c in crop]  # MMAction2: a crop, then its mirror
    np.testing.assert_array_equal(results["imgs"].numpy(), mm_normalize(views).transpose(0, 3, 1, 2))


TSN_FLOW_TRAIN = [  # MMAction2's tsn_r50_320p_1x1x3_110e_kinetics400_flow.py, after RawFrameDecode
    dict(type="Resize", scale=(-1, 256)), dict(type="RandomResizedCrop"),
    dict(type="Resize", scale=(224, 224), keep_ratio=False), dict(type="Flip", flip_ratio=0.5),
    dict(type="Normalize", mean=[128, 128], std=[128, 128]), dict(type="FormatShape", input_format="NCHW_Flow"),
    *FORMAT]


def mm_tsn_flow_train(frames, num_clips, clip_len):
    """MMAction2 0.24 on flow frames (x, y alternating, H×W uint8), restated."""
    frames = mm_short_side(frames, 256)
    h, w = frames[0].shape
    ratios = np.exp(np.random.uniform(np.log(3 / 4), np.log(4 / 3), size=10))
    areas = np.random.uniform(0.08, 1.0, size=10) * h * w
    ws = np.round(np.sqrt(areas * ratios)).astype(np.int32)
    hs = np.round(np.sqrt(areas / ratios)).astype(np.int32)
    k = next(i for i in range(10) if hs[i] <= h and ws[i] <= w)
    x, y = random.randint(0, w - ws[k]), random.randint(0, h - hs[k])
    frames = mm_resize([f[y:y + hs[k], x:x + ws[k]] for f in frames], (224, 224))
    if np.random.rand() < 0.5:
        frames = [cv2.flip(f, 1) for f in frames]
        frames = [np.full_like(f, 255) - f if i % 2 == 0 else f for i, f in enumerate(frames)]
    x_flow = (np.array(frames[0::2], dtype=np.float32) - np.float32(128)) / np.float32(128)
    y_flow = (np.array(frames[1::2], dtype=np.float32) - np.float32(128)) / np.float32(128)
    imgs = np.stack([x_flow, y_flow], axis=-1).reshape(-1, num_clips, clip_len, 224, 224, 2)
    return imgs.transpose(0, 1, 2, 5, 3, 4).reshape(-1, clip_len * 2, 224, 224)


def test_tsn_flow_train_transforms_equal_mmaction2():
    num_clips, clip_len = 3, 5
    flow = list(np.random.default_rng(2).integers(0, 256, (2 * num_clips * clip_len, 240, 320), dtype=np.uint8))
    for seed in range(4):
        random.seed(seed)
        np.random.seed(seed)
        expected = mm_tsn_flow_train(flow, num_clips, clip_len)
        random.seed(seed)
        np.random.seed(seed)
        results = Compose(TSN_FLOW_TRAIN)(dict(imgs=list(flow), modality="Flow", num_clips=num_clips,
                                                clip_len=clip_len, label=3))
        assert tuple(results["imgs"].shape) == (num_clips, clip_len * 2, 224, 224)
        np.testing.assert_array_equal(results["imgs"].numpy(), expected)
