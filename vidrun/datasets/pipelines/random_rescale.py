"""`RandomRescale`: the short side resized to a length drawn per sample, the ratio kept (TimeSformer, AVA)."""
from __future__ import annotations

import numpy as np

from vidrun.datasets.pipelines.resize import Resize
from vidrun.datasets.registries import PIPELINES


@PIPELINES.register_module()
class RandomRescale:
    """Resize every frame of a sample so that its short side is `short_edge`, an int drawn uniformly from the
    closed range `scale_range = (low, high)` (`np.random.randint(low, high + 1)`, one NumPy draw a sample, as
    MMAction2), keeping the aspect ratio. The resize is `Resize(scale=(-1, short_edge), keep_ratio=True,
    interpolation=interpolation)`, so sizes, rounding, `scale_factor`, `img_shape` and `keep_ratio` are
    Resize's; `short_edge` is added to `results`.
    """

    def __init__(self, scale_range: tuple[int, int], interpolation: str = "bilinear"):
        valid = (isinstance(scale_range, (tuple, list)) and len(scale_range) == 2
                 and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in scale_range))
        if not valid or scale_range[0] >= scale_range[1]:
            raise ValueError(f"RandomRescale: scale_range must be two positive ints (low, high) with low < high, "
                             f"got {scale_range!r}")
        Resize((-1, scale_range[0]), interpolation=interpolation)  # checks the interpolation's name
        self.scale_range = tuple(scale_range)
        self.keep_ratio = True
        self.interpolation = interpolation

    def __call__(self, results: dict) -> dict:
        short_edge = int(np.random.randint(self.scale_range[0], self.scale_range[1] + 1))
        results = Resize((-1, short_edge), keep_ratio=True, interpolation=self.interpolation)(results)
        results["short_edge"] = short_edge
        return results

    def __repr__(self) -> str:
        low, high = self.scale_range
        return f"{type(self).__name__}(scale_range=({low}, {high}), interpolation={self.interpolation})"
