"""`Imgaug`: MMAction2's imgaug transform, on vidrun's own implementation of the augmenters its configs use."""
from __future__ import annotations

import random

import numpy as np

from vidrun.datasets.pipelines.augmenters import AUGMENTERS, Augmenter, Sequential
from vidrun.datasets.pipelines.image_ops import like_input, stack_frames
from vidrun.datasets.registries import PIPELINES
from vidrun.registry import check_arguments
from vidrun.utils.errors import with_context

CHILD_LISTS = ("children", "then_list", "else_list")


def default_transforms() -> list[dict]:
    """MMAction2's `transforms='default'`: RandAugment (2 of 15 operations, magnitude 9 of 10). The direction of
    the five signed operations is drawn here, once, with Python's `random.choice([-1, 1])` in MMAction2's order
    (ShearX, ShearY, TranslateX, TranslateY, Rotate), so a seeded `random` gives MMAction2's directions."""
    level = 9 / 10
    sign = [random.choice([-1, 1]) for _ in range(5)]
    enhance = 1.8 * level + 0.1
    return [dict(type="SomeOf", n=2, children=[
        dict(type="ShearX", shear=17.19 * level * sign[0]),
        dict(type="ShearY", shear=17.19 * level * sign[1]),
        dict(type="TranslateX", percent=0.2 * level * sign[2]),
        dict(type="TranslateY", percent=0.2 * level * sign[3]),
        dict(type="Rotate", rotate=30 * level * sign[4]),
        dict(type="Posterize", nb_bits=max(1, int(4 * level))),
        dict(type="Solarize", threshold=256 * level),
        dict(type="EnhanceColor", factor=enhance),
        dict(type="EnhanceContrast", factor=enhance),
        dict(type="EnhanceBrightness", factor=enhance),
        dict(type="EnhanceSharpness", factor=enhance),
        dict(type="Autocontrast", cutoff=0),
        dict(type="Equalize"),
        dict(type="Invert", p=1.0),
        dict(type="Cutout", nb_iterations=1, size=0.2 * level, squared=True),
    ])]


def build_augmenter(cfg: dict, where: str = "transforms") -> Augmenter:
    """An augmenter from an imgaug-style dict (`type` is imgaug's class name; `children`, `then_list` and
    `else_list` hold lists of such dicts). Errors name the entry (`transforms[0].children[3]`)."""
    if not isinstance(cfg, dict) or not isinstance(cfg.get("type"), str):
        raise ValueError(f"Imgaug: {where} must be a dict with a 'type' (an imgaug augmenter's name), got {cfg!r}")
    args = dict(cfg)
    name = args.pop("type")
    cls = AUGMENTERS.get(name)
    if cls is None:
        raise ValueError(f"Imgaug: {where}: {name!r} is not one of the imgaug augmenters vidrun implements "
                         f"(imgaug itself is not used): {', '.join(sorted(AUGMENTERS))}")
    for key in CHILD_LISTS:
        if key in args and args[key] is not None:
            args[key] = [build_augmenter(child, f"{where}.{key}[{i}]") for i, child in enumerate(args[key])]
    try:
        check_arguments(cls, args, {})
        return cls(**args)
    except (TypeError, ValueError) as error:
        raise with_context(error, f"Imgaug: {where} ({name}): {error}") from error


@PIPELINES.register_module()
class Imgaug:
    """imgaug augmentation as MMAction2 configures it: `transforms='default'` (RandAugment, see
    `default_transforms`) or a list of imgaug augmenter dicts applied in order, e.g.
    `[dict(type='Fliplr', p=0.5), dict(type='Rotate', rotate=(-20, 20)), dict(type='Dropout', p=(0, 0.05))]`.

    Every random parameter is drawn once a sample and shared by all its frames, as MMAction2's
    `to_deterministic()` does; the draws come from NumPy's global generator (seeded per loader worker and
    saved in checkpoints), so their stream differs from imgaug's own generator, which cannot be reproduced.
    Frames must be uint8 RGB; `modality` must be 'RGB'.
    """

    def __init__(self, transforms: str | list[dict]):
        if transforms == "default":
            self.transforms = default_transforms()
        elif isinstance(transforms, (list, tuple)):
            self.transforms = list(transforms)
        else:
            raise ValueError(f"Imgaug: transforms must be 'default' or a list of imgaug augmenter dicts, got "
                             f"{transforms!r} (imgaug Augmenter objects cannot be used: vidrun does not run imgaug)")
        self.aug = Sequential([build_augmenter(t, f"transforms[{i}]") for i, t in enumerate(self.transforms)])

    def __call__(self, results: dict) -> dict:
        if results.get("modality", "RGB") != "RGB":
            raise ValueError(f"Imgaug: only RGB frames can be augmented, got modality {results['modality']!r}")
        stacked = stack_frames(results["imgs"])
        if stacked.dtype != np.uint8 or stacked.ndim != 4 or stacked.shape[-1] != 3:
            raise ValueError(f"Imgaug: frames must be uint8 H×W×3, got {stacked.dtype} frames of shape "
                             f"{stacked.shape[1:]}")
        out = self.aug(stacked)
        results["imgs"] = like_input(out, results["imgs"])
        results["img_shape"] = out.shape[1:3]
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(transforms={self.transforms!r})"
