"""`Compose`: a pipeline, the list of transforms a sample's `results` dict passes through in order."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from vidrun.datasets.registries import PIPELINES
from vidrun.registry import build_from_cfg


class Compose:
    """Transforms applied in order; each is a config dict (built from `PIPELINES`) or a callable.

    A transform returns the updated `results` dict, or None to drop the sample (the data set then decides what
    to do).
    """

    def __init__(self, transforms: Sequence[dict | Callable[[dict], Any]]):
        if isinstance(transforms, (str, dict)) or not isinstance(transforms, Sequence):
            raise TypeError(f"a pipeline is a list of transforms, not {type(transforms).__name__}")
        self.transforms: list[Callable[[dict], Any]] = []
        for transform in transforms:
            if isinstance(transform, dict):
                transform = build_from_cfg(transform, PIPELINES)
            elif not callable(transform):
                raise TypeError(f"a transform must be a dict or a callable, not {type(transform).__name__}: "
                                f"{transform!r}")
            self.transforms.append(transform)

    def __call__(self, results: dict) -> dict | None:
        for transform in self.transforms:
            results = transform(results)
            if results is None:
                return None
        return results

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"{type(self).__name__}({inner}\n)"

