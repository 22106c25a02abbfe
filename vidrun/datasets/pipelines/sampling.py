"""Which frames a sample reads: `SampleFrames` (segment-based, TSN/I3D style) and `DenseSampleFrames`."""
from __future__ import annotations

import numpy as np

from vidrun.datasets.registries import PIPELINES

OUT_OF_BOUND_OPTS = ("loop", "repeat_last")


def _positive_int(owner: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


@PIPELINES.register_module()
class SampleFrames:
    """Split the video into `num_clips` segments and take a clip of `clip_len` frames, `frame_interval` apart,
    from each (MMAction2's `SampleFrames`, offsets exactly as DATA.md gives them).

    Reads `total_frames` and `start_index`; writes `frame_inds` (int64, `num_clips·clip_len` indices, clip-major),
    `clip_len`, `frame_interval` and `num_clips`. Training offsets are random (NumPy's global generator), test
    offsets are the segment centres.
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
        if start_index is not None:
            raise ValueError(f"{name}: start_index is set by the data set (VideoDataset: 0, RawframeDataset: 1), "
                             f"not by SampleFrames; remove it from the transform")
        if keep_tail_frames:
            raise ValueError(f"{name}: keep_tail_frames=True is not supported")
        self.temporal_jitter = temporal_jitter
        self.twice_sample = twice_sample
        self.out_of_bound_opt = out_of_bound_opt
        self.test_mode = test_mode

    def _train_offsets(self, total: int) -> np.ndarray:
        span = self.clip_len * self.frame_interval
        avg_interval = (total - span + 1) // self.num_clips
        if avg_interval > 0:
            return np.arange(self.num_clips) * avg_interval + np.random.randint(avg_interval, size=self.num_clips)
        if total > max(self.num_clips, span):
            return np.sort(np.random.randint(total - span + 1, size=self.num_clips))
        if avg_interval == 0:
            ratio = (total - span + 1) / self.num_clips
            return np.around(np.arange(self.num_clips) * ratio).astype(np.int64)
        return np.zeros(self.num_clips, dtype=np.int64)

    def _test_offsets(self, total: int) -> np.ndarray:
        span = self.clip_len * self.frame_interval
        avg_interval = (total - span + 1) / float(self.num_clips)
        if total > span - 1:
            base = np.arange(self.num_clips) * avg_interval
            offsets = (base + avg_interval / 2.0).astype(np.int64)
            if self.twice_sample:
                offsets = np.concatenate([offsets, base.astype(np.int64)])
            return offsets
        return np.zeros(self.num_clips * (2 if self.twice_sample else 1), dtype=np.int64)

    def frame_indices(self, total_frames: int) -> np.ndarray:
        """The 0-based frame indices for a video of `total_frames` frames (before `start_index` is added)."""
        if total_frames < 1:
            raise ValueError(f"{type(self).__name__}: the video has no frames (total_frames={total_frames})")
        offsets = self._test_offsets(total_frames) if self.test_mode else self._train_offsets(total_frames)
        inds = offsets[:, None] + np.arange(self.clip_len)[None, :] * self.frame_interval
        if self.temporal_jitter:
            inds = inds + np.random.randint(self.frame_interval, size=inds.shape)
        return self._bound(inds.reshape(-1).astype(np.int64), total_frames)

    def _bound(self, inds: np.ndarray, total: int) -> np.ndarray:
        if self.out_of_bound_opt == "loop":
            return np.mod(inds, total)
        clips = inds.reshape(-1, self.clip_len)
        valid = clips < total
        last = np.where(valid, clips, -1).max(axis=1, keepdims=True)
        return np.where(valid, clips, last).reshape(-1)

    def __call__(self, results: dict) -> dict:
        if "total_frames" not in results:
            raise KeyError(f"{type(self).__name__} needs total_frames: put the decoder's Init (PyAVInit, "
                           f"DecordInit) before it in the pipeline")
        inds = self.frame_indices(int(results["total_frames"]))
        results["frame_inds"] = inds + int(results.get("start_index", 0))
        results["clip_len"] = self.clip_len
        results["frame_interval"] = self.frame_interval
        results["num_clips"] = len(inds) // self.clip_len
        return results

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(clip_len={self.clip_len}, frame_interval={self.frame_interval}, "
                f"num_clips={self.num_clips}, temporal_jitter={self.temporal_jitter}, "
                f"twice_sample={self.twice_sample}, out_of_bound_opt={self.out_of_bound_opt!r}, "
                f"test_mode={self.test_mode})")


@PIPELINES.register_module()
class DenseSampleFrames(SampleFrames):
    """Clips sampled densely inside a window of `sample_range` frames (I3D-style dense sampling).

    Training: one random window start, clips spread evenly inside the window. Test: `num_sample_positions`
    window starts spread over the video, each giving `num_clips` clips (so `num_clips·num_sample_positions`
    clips in all).
    """

    def __init__(self, *args, sample_range: int = 64, num_sample_positions: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        self.sample_range = _positive_int(type(self).__name__, "sample_range", sample_range)
        self.num_sample_positions = _positive_int(type(self).__name__, "num_sample_positions", num_sample_positions)

    def _train_offsets(self, total: int) -> np.ndarray:
        start_range = max(0, total - self.sample_range)
        interval = self.sample_range // self.num_clips
        start = 0 if start_range == 0 else np.random.randint(0, start_range)
        return (np.arange(self.num_clips) * interval + start) % total

    def _test_offsets(self, total: int) -> np.ndarray:
        starts = np.linspace(0, max(total - self.sample_range, 0), num=self.num_sample_positions, dtype=int)
        interval = self.sample_range // self.num_clips
        return np.concatenate([(np.arange(self.num_clips) * interval + s) % total for s in starts])

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] + f", sample_range={self.sample_range}, "
                f"num_sample_positions={self.num_sample_positions})")
