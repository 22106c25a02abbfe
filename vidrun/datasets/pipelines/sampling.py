"""Which frames a sample reads: `SampleFrames` (segment-based, TSN/I3D style), `DenseSampleFrames` and
`UntrimmedSampleFrames`, with MMAction2 0.24's rules.

The random offsets come from NumPy's global generator through the same calls, in the same order and with the
same arguments as MMAction2 makes them, so a seed gives the same indices in both. Offsets that MMAction2 keeps
as floats (`keep_tail_frames`, `twice_sample`'s segment starts, the rounded ratio of short videos) stay floats
here until the final cast to int, which truncates as MMAction2's does.
"""
from __future__ import annotations

import warnings

import numpy as np

from vidrun.datasets.registries import PIPELINES

OUT_OF_BOUND_OPTS = ("loop", "repeat_last")
START_INDEX_IGNORED = ("{name}: start_index={value!r} is deprecated and ignored; the data set sets it "
                       "(VideoDataset: 0, RawframeDataset: 1)")


def _positive_int(owner: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


def _warn_start_index(name: str, start_index: object) -> None:
    if start_index is not None:  # MMAction2 warns and goes on; the value is never used
        warnings.warn(START_INDEX_IGNORED.format(name=name, value=start_index), UserWarning, stacklevel=3)


def _total_frames(name: str, results: dict) -> int:
    if "total_frames" not in results:
        raise KeyError(f"{name} needs total_frames: put the decoder's Init (PyAVInit, DecordInit, OpenCVInit) "
                       f"before it in the pipeline")
    total = int(results["total_frames"])
    if total < 1:
        raise ValueError(f"{name}: the video has no frames (total_frames={total})")
    return total


@PIPELINES.register_module()
class SampleFrames:
    """Split the video into `num_clips` segments and take a clip of `clip_len` frames, `frame_interval` apart,
    from each (MMAction2's `SampleFrames`; the rules are in docs/pipelines.md).

    Reads `total_frames` and `start_index`; writes `frame_inds` (int64, clip-major), `clip_len`,
    `frame_interval` and `num_clips` — the configured count, also when `twice_sample` (test mode) or
    `DenseSampleFrames`' test positions give more clips, as MMAction2 writes it. Training offsets are random
    (NumPy's global generator), test offsets fixed. `start_index` is accepted with a warning and ignored.
    """

    def __init__(self, clip_len: int, frame_interval: int = 1, num_clips: int = 1, temporal_jitter: bool = False,
                 twice_sample: bool = False, out_of_bound_opt: str = "loop", test_mode: bool = False,
                 start_index: int | None = None, keep_tail_frames: bool = False):
        name = type(self).__name__
        self.clip_len = _positive_int(name, "clip_len", clip_len)
        self.frame_interval = _positive_int(name, "frame_interval", frame_interval)
        self.num_clips = _positive_int(name, "num_clips", num_clips)
        if out_of_bound_opt not in OUT_OF_BOUND_OPTS:
            raise ValueError(f"{name}: out_of_bound_opt must be one of {OUT_OF_BOUND_OPTS}, got {out_of_bound_opt!r}")
        _warn_start_index(name, start_index)
        self.temporal_jitter = temporal_jitter
        self.twice_sample = twice_sample
        self.out_of_bound_opt = out_of_bound_opt
        self.test_mode = test_mode
        self.keep_tail_frames = keep_tail_frames

    def _train_offsets(self, total: int) -> np.ndarray:
        span = self.clip_len * self.frame_interval
        if self.keep_tail_frames:  # float segments that reach the last frame
            avg_interval = (total - span + 1) / float(self.num_clips)
            if total > span - 1:
                base = np.arange(self.num_clips) * avg_interval
                return (base + np.random.uniform(0, avg_interval, self.num_clips)).astype(np.int64)
            return np.zeros(self.num_clips, dtype=np.int64)
        avg_interval = (total - span + 1) // self.num_clips
        if avg_interval > 0:
            return np.arange(self.num_clips) * avg_interval + np.random.randint(avg_interval, size=self.num_clips)
        if total > max(self.num_clips, span):
            return np.sort(np.random.randint(total - span + 1, size=self.num_clips))
        if avg_interval == 0:
            ratio = (total - span + 1.0) / self.num_clips
            return np.around(np.arange(self.num_clips) * ratio)
        return np.zeros(self.num_clips, dtype=np.int64)

    def _test_offsets(self, total: int) -> np.ndarray:
        span = self.clip_len * self.frame_interval
        avg_interval = (total - span + 1) / float(self.num_clips)
        if total > span - 1:
            base = np.arange(self.num_clips) * avg_interval
            offsets = (base + avg_interval / 2.0).astype(np.int64)
            # twice_sample appends the segment starts (floats, cast with the rest at the end)
            return np.concatenate([offsets, base]) if self.twice_sample else offsets
        return np.zeros(self.num_clips, dtype=np.int64)  # num_clips zeros, with or without twice_sample

    def frame_indices(self, total_frames: int) -> np.ndarray:
        """The 0-based frame indices (int64, flat, clip-major) for a video of `total_frames` frames, before
        `start_index` is added. Draws from NumPy's global generator in training mode or with temporal jitter."""
        offsets = self._test_offsets(total_frames) if self.test_mode else self._train_offsets(total_frames)
        inds = (offsets[:, None] + np.arange(self.clip_len)[None, :] * self.frame_interval).reshape(-1)
        if self.temporal_jitter:
            inds = inds + np.random.randint(self.frame_interval, size=len(inds))
        return self._bound(inds.reshape(-1, self.clip_len), total_frames).reshape(-1).astype(np.int64)

    def _bound(self, clips: np.ndarray, total: int) -> np.ndarray:
        if self.out_of_bound_opt == "loop":
            return np.mod(clips, total)
        # 'repeat_last': indices past the end take the clip's last valid one, 0 if none is valid (a clip
        # starting past the end of a short video), as MMAction2's max over masked indices gives.
        valid = clips < total
        last = np.max(valid * clips, axis=1, keepdims=True)
        return np.where(valid, clips, last)

    def __call__(self, results: dict) -> dict:
        inds = self.frame_indices(_total_frames(type(self).__name__, results))
        results["frame_inds"] = inds + int(results.get("start_index", 0))
        results["clip_len"] = self.clip_len
        results["frame_interval"] = self.frame_interval
        results["num_clips"] = self.num_clips
        return results

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(clip_len={self.clip_len}, frame_interval={self.frame_interval}, "
                f"num_clips={self.num_clips}, temporal_jitter={self.temporal_jitter}, "
                f"twice_sample={self.twice_sample}, out_of_bound_opt={self.out_of_bound_opt!r}, "
                f"test_mode={self.test_mode}, keep_tail_frames={self.keep_tail_frames})")


@PIPELINES.register_module()
class DenseSampleFrames(SampleFrames):
    """Clips sampled densely inside a window of `sample_range` frames (I3D-style dense sampling).

    Training: one random window start (`randint(0, T − sample_range)` when the video is longer than the window
    by two frames or more, else 0), clips `sample_range // num_clips` apart inside it, wrapped modulo `T`.
    Test: `num_sample_positions` window starts `linspace(0, max(T − sample_range, 0))`, each giving `num_clips`
    clips. `num_clips` in `results` stays the configured count, as MMAction2 writes it.
    """

    def __init__(self, *args, sample_range: int = 64, num_sample_positions: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        self.sample_range = _positive_int(type(self).__name__, "sample_range", sample_range)
        self.num_sample_positions = _positive_int(type(self).__name__, "num_sample_positions", num_sample_positions)

    def _train_offsets(self, total: int) -> np.ndarray:
        sample_position = max(1, 1 + total - self.sample_range)
        interval = self.sample_range // self.num_clips
        start = 0 if sample_position == 1 else np.random.randint(0, sample_position - 1)
        return (np.arange(self.num_clips) * interval + start) % total

    def _test_offsets(self, total: int) -> np.ndarray:
        sample_position = max(1, 1 + total - self.sample_range)
        starts = np.linspace(0, sample_position - 1, num=self.num_sample_positions, dtype=int)
        interval = self.sample_range // self.num_clips
        return np.concatenate([(np.arange(self.num_clips) * interval + s) % total for s in starts])

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] + f", sample_range={self.sample_range}, "
                f"num_sample_positions={self.num_sample_positions})")


@PIPELINES.register_module()
class UntrimmedSampleFrames:
    """Clips of `clip_len` frames centred every `frame_interval` frames over the whole video (MMAction2's
    `UntrimmedSampleFrames`, for untrimmed videos): centres `frame_interval // 2, +frame_interval, …`, indices
    clipped to the video, `num_clips` = the number of centres. Deterministic.
    """

    def __init__(self, clip_len: int = 1, frame_interval: int = 16, start_index: int | None = None):
        name = type(self).__name__
        self.clip_len = _positive_int(name, "clip_len", clip_len)
        self.frame_interval = _positive_int(name, "frame_interval", frame_interval)
        _warn_start_index(name, start_index)

    def __call__(self, results: dict) -> dict:
        total = _total_frames(type(self).__name__, results)
        centres = np.arange(self.frame_interval // 2, total, self.frame_interval)
        half = self.clip_len // 2
        inds = np.clip(centres[:, None] + np.arange(-half, self.clip_len - half)[None, :], 0, total - 1)
        results["frame_inds"] = inds.reshape(-1).astype(np.int64) + int(results.get("start_index", 0))
        results["clip_len"] = self.clip_len
        results["frame_interval"] = self.frame_interval
        results["num_clips"] = len(centres)
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(clip_len={self.clip_len}, frame_interval={self.frame_interval})"
