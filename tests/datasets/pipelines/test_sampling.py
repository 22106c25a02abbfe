"""Frame sampling as MMAction2 0.24 samples: exact index arrays (hand-derived from its formulas) for short,
exact-length and long videos, training and test mode, with the options its recognition configs use; random
draws are restated with a `RandomState` of the same seed, making the same calls in the same order."""
import warnings

import numpy as np
import pytest

from vidrun.datasets import PIPELINES
from vidrun.datasets.pipelines.sampling import DenseSampleFrames, SampleFrames, UntrimmedSampleFrames


def sample(transform, total, start_index=0, seed=0):
    np.random.seed(seed)
    return transform(dict(total_frames=total, start_index=start_index))


def inds(transform, total, start_index=0, seed=0):
    return sample(transform, total, start_index, seed)["frame_inds"].tolist()


def clips(offsets, clip_len, interval):
    return (np.asarray(offsets)[:, None] + np.arange(clip_len) * interval).reshape(-1)


# ---- test mode: fixed grids, written out by hand ----------------------------------------------------------

@pytest.mark.parametrize("keep_tail", [False, True])  # keep_tail_frames changes training only
def test_the_issue_example_100_frames_8_clips_in_test_mode(keep_tail):
    transform = SampleFrames(1, 1, 8, test_mode=True, keep_tail_frames=keep_tail)
    assert inds(transform, 100) == [6, 18, 31, 43, 56, 68, 81, 93]


@pytest.mark.parametrize("total,clip_len,interval,num_clips,expected", [
    (25, 1, 1, 25, list(range(25))),                       # TSN test, exactly one frame a segment
    (10, 1, 1, 25, [0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7, 7, 8, 8, 9, 9, 9]),  # int(0.4k + 0.2)
    (64, 32, 2, 1, list(range(0, 64, 2))),                 # I3D test, exact length: avg 1, offset int(0.5) = 0
    (63, 32, 2, 1, list(range(0, 64, 2))),                 # one frame short, still `T > L - 1`: 62 < 63
    (50, 32, 2, 1, list(range(0, 50, 2)) + list(range(0, 14, 2))),  # too short: zeros, wrapped by 'loop'
    (100, 4, 4, 3, [14, 18, 22, 26, 42, 46, 50, 54, 70, 74, 78, 82]),  # avg 85/3: int(14.17), int(42.5), int(70.8)
])
def test_test_mode_offsets(total, clip_len, interval, num_clips, expected):
    out = sample(SampleFrames(clip_len, interval, num_clips, test_mode=True), total, seed=None)
    assert out["frame_inds"].tolist() == expected
    assert out["frame_inds"].dtype == np.int64
    assert (out["clip_len"], out["frame_interval"], out["num_clips"]) == (clip_len, interval, num_clips)


def test_twice_sample_appends_the_segment_starts_and_keeps_num_clips():
    out = sample(SampleFrames(1, 1, 8, twice_sample=True, test_mode=True), 100)  # the TSM test pipeline
    assert out["frame_inds"].tolist() == [6, 18, 31, 43, 56, 68, 81, 93, 0, 12, 25, 37, 50, 62, 75, 87]
    assert out["num_clips"] == 8  # as configured, as MMAction2 writes it


@pytest.mark.parametrize("total", [5, 7])  # no longer than clip_len × frame_interval − 1 = 7
def test_twice_sample_on_a_short_video_gives_num_clips_zero_offsets(total):
    out = sample(SampleFrames(8, 1, 2, twice_sample=True, test_mode=True), total)
    one_clip = [i % total for i in range(8)]
    assert out["frame_inds"].tolist() == one_clip * 2 and out["num_clips"] == 2


# ---- training mode ----------------------------------------------------------------------------------------

def restated_train_offsets(total, clip_len, interval, num_clips, rng):
    """MMAction2's training rule, written out again (not keep_tail_frames)."""
    span = clip_len * interval
    a = (total - span + 1) // num_clips
    if a > 0:
        return np.arange(num_clips) * a + rng.randint(a, size=num_clips)
    if total > max(num_clips, span):
        return np.sort(rng.randint(total - span + 1, size=num_clips))
    if a == 0:
        return np.around(np.arange(num_clips) * (total - span + 1.0) / num_clips)
    return np.zeros(num_clips)


CONFIG_SAMPLERS = [(1, 1, 3), (1, 1, 8), (1, 1, 16), (32, 2, 1), (8, 8, 1), (4, 16, 1), (16, 4, 1), (13, 6, 1),
                   (4, 3, 2)]


@pytest.mark.parametrize("total", [1, 2, 4, 5, 8, 9, 30, 31, 64, 65, 100, 301])
@pytest.mark.parametrize("clip_len,interval,num_clips", CONFIG_SAMPLERS)
@pytest.mark.parametrize("opt", ["loop", "repeat_last"])
def test_training_indices_follow_mmaction2s_draws(total, clip_len, interval, num_clips, opt):
    out = sample(SampleFrames(clip_len, interval, num_clips, out_of_bound_opt=opt), total, seed=7)
    offsets = restated_train_offsets(total, clip_len, interval, num_clips, np.random.RandomState(7))
    expected = clips(offsets, clip_len, interval).reshape(-1, clip_len)
    if opt == "loop":
        expected = expected % total
    else:
        last = np.array([max([i for i in row if i < total] or [0]) for row in expected])
        expected = np.where(expected < total, expected, last[:, None])
    assert out["frame_inds"].tolist() == expected.reshape(-1).astype(int).tolist()
    assert out["num_clips"] == num_clips


def test_training_by_hand_long_exact_and_short():
    r = np.random.RandomState(0).randint(12, size=8)  # 100 frames, 8 clips: segments of 12
    assert inds(SampleFrames(1, 1, 8), 100) == (np.arange(8) * 12 + r).tolist()
    assert inds(SampleFrames(32, 2, 1), 64) == list(range(0, 64, 2))  # exact length: randint(1) is 0
    # 4 frames, 8 segments: offsets round(arange(8) * 4/8) = 0 0 1 2 2 2 3 4 (half to even)
    assert inds(SampleFrames(1, 1, 8), 4) == [0, 0, 1, 2, 2, 2, 3, 0]


@pytest.mark.parametrize("total,expected", [
    (4, [0, 0, 1, 2, 2, 2, 3, 0]),   # the last clip starts at 4, past the end
    (3, [0, 0, 1, 1, 2, 2, 2, 0]),   # round(7 * 3/8) = 3
    (2, [0, 0, 0, 1, 1, 1, 0, 0]),
    (1, [0] * 8),
])
def test_repeat_last_gives_0_for_a_clip_that_starts_past_the_end(total, expected):
    transform = SampleFrames(1, 1, 8, out_of_bound_opt="repeat_last")
    assert inds(transform, total) == expected
    # with frame folders numbered from 1 that is img_00001.jpg, never the missing img_00000.jpg
    assert inds(transform, total, start_index=1) == [i + 1 for i in expected]


def test_repeat_last_and_loop_inside_a_clip():
    assert inds(SampleFrames(8, 2, 1, test_mode=True), 10, start_index=1) == [1, 3, 5, 7, 9, 1, 3, 5]
    last = SampleFrames(8, 2, 1, test_mode=True, out_of_bound_opt="repeat_last")
    assert inds(last, 10) == [0, 2, 4, 6, 8, 8, 8, 8]
    # 4 frames, clips of 2: offsets 0 0 1 1 2 2 2 3; the last clip is [3, 4] -> [3, 3]
    assert inds(SampleFrames(2, 1, 8, out_of_bound_opt="repeat_last"), 4) == \
        [0, 1, 0, 1, 1, 2, 1, 2, 2, 3, 2, 3, 2, 3, 3, 3]


def test_keep_tail_frames_spreads_float_segments_to_the_end():
    rng = np.random.RandomState(3)
    expected = (np.arange(8) * 12.5 + rng.uniform(0, 12.5, 8)).astype(int)
    assert inds(SampleFrames(1, 1, 8, keep_tail_frames=True), 100, seed=3) == expected.tolist()
    # clips of 4 frames, 2 apart, 3 clips over 20 frames: segments of (20 - 8 + 1) / 3
    rng = np.random.RandomState(5)
    offsets = (np.arange(3) * (13 / 3) + rng.uniform(0, 13 / 3, 3)).astype(int)
    assert inds(SampleFrames(4, 2, 3, keep_tail_frames=True), 20, seed=5) == clips(offsets, 4, 2).tolist()
    # too short (T <= L - 1): zeros
    assert inds(SampleFrames(8, 1, 2, keep_tail_frames=True), 7) == [0, 1, 2, 3, 4, 5, 6, 0] * 2


def test_keep_tail_frames_reaches_the_last_segment():
    seen = {inds(SampleFrames(1, 1, 8, keep_tail_frames=True), 100, seed=s)[-1] for s in range(200)}
    assert min(seen) == 87 and max(seen) == 99  # floor(7 * 12.5) .. 99; without it the last segment ends at 95


def test_temporal_jitter_draws_after_the_offsets():
    rng = np.random.RandomState(11)
    offsets = np.arange(2) * 42 + rng.randint(42, size=2)  # (100 - 16 + 1) // 2 = 42
    jitter = rng.randint(4, size=8)
    expected = (clips(offsets, 4, 4) + jitter) % 100
    assert inds(SampleFrames(4, 4, 2, temporal_jitter=True), 100, seed=11) == expected.tolist()


def test_start_index_is_deprecated_with_a_warning_and_ignored():
    with pytest.warns(UserWarning, match="start_index=1 is deprecated and ignored"):
        transform = SampleFrames(1, 1, 3, test_mode=True, start_index=1)
    assert inds(transform, 30, start_index=0) == [5, 15, 25]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SampleFrames(1)  # no warning without it


# ---- dense and untrimmed sampling -------------------------------------------------------------------------

def test_dense_sampling_training():
    start = np.random.RandomState(0).randint(0, 36)  # 100 frames, window 64: 37 positions, randint(0, 36)
    assert inds(DenseSampleFrames(1, 1, 8), 100) == [start + 8 * k for k in range(8)]
    # shorter than the window: start 0, offsets wrapped modulo T; no draw is made
    np.random.seed(0)
    out = DenseSampleFrames(1, 1, 8)(dict(total_frames=40, start_index=0))
    assert out["frame_inds"].tolist() == [0, 8, 16, 24, 32, 0, 8, 16]
    assert np.random.randint(5) == np.random.RandomState(0).randint(5)
    # 65 frames: two positions, randint(0, 1) = 0, and the draw is made
    np.random.seed(0)
    assert DenseSampleFrames(32, 2, 1)(dict(total_frames=65, start_index=0))["frame_inds"].tolist() == \
        list(range(0, 64, 2))
    rng = np.random.RandomState(0)
    rng.randint(0, 1)
    assert np.random.randint(1000) == rng.randint(1000)


def test_dense_sampling_test_mode():
    out = sample(DenseSampleFrames(1, 1, 8, test_mode=True), 100)
    starts = [0, 4, 8, 12, 16, 20, 24, 28, 32, 36]  # linspace(0, 36, 10) as int
    assert out["frame_inds"].tolist() == [s + 8 * k for s in starts for k in range(8)]
    assert out["num_clips"] == 8  # as configured, though 80 clips were sampled
    short = sample(DenseSampleFrames(2, 1, 2, sample_range=32, num_sample_positions=3, test_mode=True), 20)
    assert short["frame_inds"].tolist() == [0, 1, 16, 17] * 3


def test_untrimmed_sampling():
    out = sample(UntrimmedSampleFrames(clip_len=3, frame_interval=16), 50, start_index=1)
    # centres 8, 24, 40; clips centre-1 .. centre+1
    assert out["frame_inds"].tolist() == [8, 9, 10, 24, 25, 26, 40, 41, 42]
    assert out["num_clips"] == 3 and out["clip_len"] == 3
    # centres 1, 3, 5; clips centre-2 .. centre+1, clipped to 0 .. 5
    assert inds(UntrimmedSampleFrames(clip_len=4, frame_interval=2), 6) == [0, 0, 1, 2, 1, 2, 3, 4, 3, 4, 5, 5]


# ---- contracts ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,message", [
    (dict(clip_len=0), "clip_len must be a positive int"),
    (dict(clip_len=1, num_clips=2.5), "num_clips must be a positive int"),
    (dict(clip_len=1, out_of_bound_opt="wrap"), "out_of_bound_opt must be one of"),
])
def test_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SampleFrames(**kwargs)


def test_an_empty_video_is_an_error_and_the_transforms_are_registered():
    with pytest.raises(ValueError, match="no frames"):
        SampleFrames(1)(dict(total_frames=0))
    with pytest.raises(KeyError, match="put the decoder's Init"):
        UntrimmedSampleFrames()(dict())
    for cls in (SampleFrames, DenseSampleFrames, UntrimmedSampleFrames):
        assert PIPELINES.get(cls.__name__) is cls
