import numpy as np
import pytest

from vidrun.datasets import PIPELINES
from vidrun.datasets.pipelines.sampling import DenseSampleFrames, SampleFrames


def reference_train_offsets(total, clip_len, interval, num_clips, rng):
    """DATA.md's training rule, written out independently."""
    span = clip_len * interval
    a = (total - span + 1) // num_clips
    if a > 0:
        return np.arange(num_clips) * a + rng.randint(a, size=num_clips)
    if total > max(num_clips, span):
        return np.sort(rng.randint(total - span + 1, size=num_clips))
    if a == 0:
        return np.around(np.arange(num_clips) * (total - span + 1) / num_clips)
    return np.zeros(num_clips)


@pytest.mark.parametrize("total", [1, 2, 5, 8, 9, 30, 31, 100, 301])
@pytest.mark.parametrize("clip_len,interval,num_clips", [(1, 1, 3), (1, 1, 8), (8, 1, 1), (32, 2, 1), (4, 3, 2)])
def test_train_indices_follow_the_documented_rule(total, clip_len, interval, num_clips):
    np.random.seed(7)
    out = SampleFrames(clip_len, interval, num_clips)(dict(total_frames=total, start_index=0))
    rng = np.random.RandomState(7)
    offsets = reference_train_offsets(total, clip_len, interval, num_clips, rng)
    expected = (offsets[:, None] + np.arange(clip_len) * interval).reshape(-1) % total
    assert out["frame_inds"].tolist() == expected.astype(int).tolist()
    assert (out["clip_len"], out["frame_interval"], out["num_clips"]) == (clip_len, interval, num_clips)


@pytest.mark.parametrize("total", [1, 7, 25, 30, 250, 301])
def test_test_mode_takes_segment_centres(total):
    out = SampleFrames(1, 1, 25, test_mode=True)(dict(total_frames=total, start_index=0))
    a = total / 25
    expected = (np.arange(25) * a + a / 2).astype(int) if total > 0 else np.zeros(25, int)
    assert out["frame_inds"].tolist() == expected.tolist()


def test_test_mode_is_deterministic_and_twice_sample_doubles_the_clips():
    first = SampleFrames(4, 2, 3, test_mode=True)(dict(total_frames=60))["frame_inds"]
    np.random.seed(123)
    assert SampleFrames(4, 2, 3, test_mode=True)(dict(total_frames=60))["frame_inds"].tolist() == first.tolist()
    twice = SampleFrames(4, 2, 3, test_mode=True, twice_sample=True)(dict(total_frames=60))
    assert len(twice["frame_inds"]) == 2 * 3 * 4 and twice["num_clips"] == 6
    assert twice["frame_inds"][:12].tolist() == first.tolist()


def test_out_of_bound_options_and_start_index():
    loop = SampleFrames(8, 2, 1, test_mode=True)(dict(total_frames=10, start_index=1))
    assert loop["frame_inds"].tolist() == [1, 3, 5, 7, 9, 1, 3, 5]  # wraps modulo 10, then + start_index
    last = SampleFrames(8, 2, 1, test_mode=True, out_of_bound_opt="repeat_last")(dict(total_frames=10))
    assert last["frame_inds"].tolist() == [0, 2, 4, 6, 8, 8, 8, 8]


def test_temporal_jitter_stays_inside_the_interval():
    np.random.seed(0)
    plain = SampleFrames(4, 4, 1, test_mode=True)(dict(total_frames=100))["frame_inds"]
    jittered = SampleFrames(4, 4, 1, test_mode=True, temporal_jitter=True)(dict(total_frames=100))["frame_inds"]
    assert ((jittered - plain >= 0) & (jittered - plain < 4)).all() and (jittered != plain).any()


def test_dense_sampling_windows():
    np.random.seed(0)
    train = DenseSampleFrames(4, 1, 2, sample_range=32)(dict(total_frames=100))["frame_inds"]
    start = train[0]
    assert train.tolist() == [start, start + 1, start + 2, start + 3, start + 16, start + 17, start + 18, start + 19]
    test = DenseSampleFrames(2, 1, 2, sample_range=32, num_sample_positions=3, test_mode=True)(
        dict(total_frames=100))
    # window starts linspace(0, 68, 3) = 0, 34, 68; two clips 16 apart in each
    assert test["frame_inds"].tolist() == [0, 1, 16, 17, 34, 35, 50, 51, 68, 69, 84, 85]
    assert test["num_clips"] == 6


@pytest.mark.parametrize("kwargs,message", [
    (dict(clip_len=0), "clip_len must be a positive int"),
    (dict(clip_len=1, num_clips=2.5), "num_clips must be a positive int"),
    (dict(clip_len=1, out_of_bound_opt="wrap"), "out_of_bound_opt must be one of"),
    (dict(clip_len=1, start_index=1), "start_index is set by the data set"),
])
def test_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SampleFrames(**kwargs)


def test_an_empty_video_is_an_error_and_the_transforms_are_registered():
    with pytest.raises(ValueError, match="no frames"):
        SampleFrames(1)(dict(total_frames=0))
    assert PIPELINES.get("SampleFrames") is SampleFrames and PIPELINES.get("DenseSampleFrames") is DenseSampleFrames
