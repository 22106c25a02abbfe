"""The augmenter contract and imgaug's containers: `Sequential`, `SomeOf`, `OneOf`, `Sometimes`, `Identity`."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vidrun.datasets.pipelines.augmenters.params import discrete, probability


class Augmenter:
    """`augmenter(imgs)` takes the frames of one sample, uint8 [N, H, W, 3], draws its random parameters once
    from NumPy's global generator, applies them to every frame, and returns the new frames (same shape)."""

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Identity(Augmenter):
    """Leaves the frames as they are (imgaug's `Identity`, `Noop`)."""

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        return imgs


class Sequential(Augmenter):
    """The children in order (`random_order=True`: in an order drawn a sample)."""

    def __init__(self, children: Sequence[Augmenter] = (), random_order: bool = False):
        self.children = list(children)
        self.random_order = bool(random_order)

    def _apply(self, imgs: np.ndarray, chosen: Sequence[int]) -> np.ndarray:
        for index in chosen:
            imgs = self.children[index](imgs)
        return imgs

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        order = np.random.permutation(len(self.children)) if self.random_order else range(len(self.children))
        return self._apply(imgs, order)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.children!r})"


class SomeOf(Sequential):
    """`n` of the children, drawn without replacement a sample, applied in their list order (or a random one).
    `n` is an int, a tuple (low, high) (high may be None: all children) or None (all children)."""

    def __init__(self, n: int | tuple | None = None, children: Sequence[Augmenter] = (),
                 random_order: bool = False):
        super().__init__(children, random_order)
        if isinstance(n, tuple) and len(n) == 2 and n[1] is None:
            n = (n[0], len(self.children))
        self.n = n
        self._count = (lambda: len(self.children)) if n is None else discrete(n, "SomeOf: n")

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        count = min(max(self._count(), 0), len(self.children))
        chosen = np.random.choice(len(self.children), count, replace=False)
        chosen = np.random.permutation(chosen) if self.random_order else np.sort(chosen)
        return self._apply(imgs, chosen)


class OneOf(SomeOf):
    """Exactly one of the children, drawn a sample."""

    def __init__(self, children: Sequence[Augmenter] = ()):
        super().__init__(1, children)


class Sometimes(Augmenter):
    """`then_list` with probability `p`, else `else_list` (each a list of augmenters, applied in order)."""

    def __init__(self, p: float = 0.5, then_list: Sequence[Augmenter] | None = None,
                 else_list: Sequence[Augmenter] | None = None):
        self._p = probability(p, "Sometimes: p")
        self.then_list = Sequential(then_list or [])
        self.else_list = Sequential(else_list or [])

    def __call__(self, imgs: np.ndarray) -> np.ndarray:
        return self.then_list(imgs) if self._p() else self.else_list(imgs)
