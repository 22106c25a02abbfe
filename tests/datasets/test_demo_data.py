"""The generated demo set: layout, determinism, balanced classes, and labels that mean what they say."""
import hashlib
import io
import sys
from pathlib import Path

import numpy as np
import pytest

from vidrun.datasets import RawframeDataset, VideoDataset
from vidrun.datasets.demo_clips import CLASSES, DIRECTIONS, SHAPES, ClipSpec, label_of, render_clip
from vidrun.datasets.demo_data import demo_data_exists, make_demo_data

REPO = Path(__file__).resolve().parents[2]
READ_ALL = [dict(type="PyAVInit"), dict(type="SampleFrames", clip_len=16, num_clips=1, test_mode=True),
            dict(type="PyAVDecode")]


def digest(folder):
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    make_demo_data(root, num_train=12, num_val=6, rawframes=True)
    return root


def test_layout_and_annotations(demo):
    assert demo_data_exists(demo)
    assert (demo / "classes.txt").read_text().split() == list(CLASSES)
    train = (demo / "train.txt").read_text().splitlines()
    assert train[:3] == ["train_0000.mp4 0", "train_0001.mp4 1", "train_0002.mp4 2"]
    labels = [int(line.split()[1]) for line in train]
    assert sorted(labels) == sorted(list(range(6)) * 2)  # every class equally often
    assert len((demo / "val.txt").read_text().splitlines()) == 6
    assert (demo / "train_rawframes.txt").read_text().splitlines()[0] == "train_0000 16 0"


def test_the_same_seed_gives_the_same_bytes(demo, tmp_path):
    make_demo_data(tmp_path / "again", num_train=12, num_val=6, rawframes=True)
    assert digest(tmp_path / "again") == digest(demo)
    make_demo_data(tmp_path / "other", num_train=12, num_val=6, seed=1)
    assert digest(tmp_path / "other" / "videos") != digest(demo / "videos")


def test_clips_decode_and_move_in_their_labelled_direction(demo):
    dataset = VideoDataset(str(demo / "train.txt"), READ_ALL, data_prefix=str(demo / "videos"))
    for index in range(len(dataset)):
        sample = dataset[index]
        clip = np.stack(sample["imgs"]).astype(float)
        assert clip.shape == (16, 64, 64, 3)
        bright = clip.min(axis=3) > 140  # the shape is bright in every channel; the background is dark
        xs = [np.nonzero(frame)[1].mean() for frame in bright]
        direction = DIRECTIONS[sample["label"] % len(DIRECTIONS)]
        moved = xs[-1] - xs[0]
        assert moved > 15 if direction == "right" else moved < -15



def test_the_demo_configs_training_batches_keep_their_labelled_direction(demo):
    """What the demo trains on, as its loader gives it (seeded workers, random crops, flips that swap the
    left/right labels, normalisation): every clip still moves the way its label says, in both directions."""
    from vidrun.config import Config
    from vidrun.datasets import build_dataloader, build_dataset

    cfg = Config.fromfile(str(REPO / "configs" / "demo" / "tsm_r18_demo.py"))
    train = dict(cfg.data.train, ann_file=str(demo / "train.txt"), data_prefix=str(demo / "videos"))
    loader = build_dataloader(build_dataset(train), videos_per_gpu=4, workers_per_gpu=2, dist=False, seed=0)
    mean, std = cfg.img_norm_cfg["mean"][0], cfg.img_norm_cfg["std"][0]
    seen = {"left": 0, "right": 0}
    for epoch in range(2):
        loader.sampler.set_epoch(epoch)
        for batch in loader:
            clips = batch["imgs"].numpy() * std + mean  # [N, segments, 3, 56, 56], the same value in each channel
            for clip, label in zip(clips, batch["label"].view(-1).tolist()):
                bright = clip.min(axis=1) > 140
                xs = np.array([np.nonzero(frame)[1].mean() for frame in bright])
                slope = np.polyfit(np.arange(len(xs)), xs, 1)[0]
                direction = DIRECTIONS[label % len(DIRECTIONS)]
                assert slope > 0.5 if direction == "right" else slope < -0.5, (epoch, label, xs)
                seen[direction] += 1
    assert sum(seen.values()) == 24 and min(seen.values()) > 0  # 12 clips, 2 epochs

def test_rawframes_hold_the_same_clips(demo):
    frames = RawframeDataset(str(demo / "train_rawframes.txt"),
                             [dict(type="SampleFrames", clip_len=16, test_mode=True), dict(type="RawFrameDecode")],
                             data_prefix=str(demo / "rawframes"))[3]
    video = VideoDataset(str(demo / "train.txt"), READ_ALL, data_prefix=str(demo / "videos"))[3]
    diff = np.abs(np.stack(frames["imgs"]).astype(int) - np.stack(video["imgs"]).astype(int))
    assert diff.mean() < 6  # JPEG and H.264 of the same frames


def test_a_single_frame_does_not_tell_the_direction():
    """Positions of the shape over all frames are distributed alike for both directions."""
    spec = ClipSpec()
    positions = {}
    for direction in DIRECTIONS:
        rng = np.random.default_rng(0)
        xs = []
        for _ in range(150):
            clip = render_clip(rng, "square", direction, spec).astype(float)
            xs += [np.nonzero(frame.min(axis=2) > 140)[1].mean() for frame in clip]
        positions[direction] = np.histogram(xs, bins=8, range=(0, 64))[0] / len(xs)
    assert np.abs(positions["left"] - positions["right"]).max() < 0.03


def test_labels_and_spec_checks():
    assert [label_of(s, d) for s in SHAPES for d in DIRECTIONS] == list(range(len(CLASSES)))
    with pytest.raises(ValueError, match="too small for 16 frames of motion"):
        ClipSpec(size=32)
    with pytest.raises(ValueError, match="size must be even"):
        ClipSpec(size=65)
    with pytest.raises(ValueError, match="at least 2 frames"):
        ClipSpec(num_frames=1)
    with pytest.raises(ValueError, match="num_train and num_val must be at least 1"):
        make_demo_data("unused", num_train=0)


def test_a_terminal_sees_a_progress_bar_over_the_clips(tmp_path, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    make_demo_data(tmp_path, num_train=1, num_val=2, spec=ClipSpec(size=48, num_frames=8, radius=(5.0, 7.0)))
    assert "demo data:   0%|" in sys.stderr.getvalue() and "0/3 [" in sys.stderr.getvalue()
