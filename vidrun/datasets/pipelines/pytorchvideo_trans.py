"""`PytorchVideoTrans` and `type='pytorchvideo.<name>'`: MMAction2's pytorchvideo transforms, refused with the
vidrun equivalent.

pytorchvideo needs torchvision, which vidrun does not depend on (and which pins torch versions), so it cannot
be installed beside vidrun's torch; rather than a transform that fails on its first sample, the pipeline fails
when it is built, naming the transform to use instead.
"""
from __future__ import annotations

from vidrun.datasets.registries import PIPELINES

# MMAction2 0.24 accepts these five pytorchvideo transforms; what to write in vidrun instead.
ALTERNATIVES = {
    "AugMix": "dict(type='Imgaug', transforms='default') (RandAugment's operations, implemented in vidrun)",
    "RandAugment": "dict(type='Imgaug', transforms='default') (RandAugment, as MMAction2's imgaug configs)",
    "RandomResizedCrop": "dict(type='RandomResizedCrop', area_range=..., aspect_ratio_range=...) followed by "
                         "dict(type='Resize', scale=(size, size), keep_ratio=False)",
    "ShortSideScale": "dict(type='Resize', scale=(-1, size))",
    "RandomShortSideScale": "dict(type='RandomRescale', scale_range=(min_size, max_size))",
}


@PIPELINES.register_module()
class PytorchVideoTrans:
    """Always raises ValueError: pytorchvideo is not available to vidrun; the message names the equivalent
    vidrun transform for each of the names MMAction2 accepts (`AugMix`, `RandAugment`, `RandomResizedCrop`,
    `ShortSideScale`, `RandomShortSideScale`)."""

    def __init__(self, type: str, **kwargs):  # noqa: A002 - MMAction2's argument name
        alternative = ALTERNATIVES.get(type)
        if alternative is None:
            raise ValueError(f"PytorchVideoTrans: {type!r} is not one of the pytorchvideo transforms MMAction2 "
                             f"accepts ({', '.join(ALTERNATIVES)}), and pytorchvideo is not available to vidrun")
        raise ValueError(f"PytorchVideoTrans(type={type!r}): pytorchvideo cannot be used with vidrun (it needs "
                         f"torchvision); use {alternative} instead")


def _refusal(name: str):
    def refuse(**kwargs) -> None:
        PytorchVideoTrans(type=name, **kwargs)
    refuse.__name__ = refuse.__qualname__ = f"pytorchvideo.{name}"
    return refuse


# MMAction2's Compose turns `dict(type='pytorchvideo.AugMix')` into `PytorchVideoTrans('AugMix')`; here each
# prefixed name is registered, so the same config fails in the same place with the same advice.
for _name in ALTERNATIVES:
    PIPELINES.register_module(name=f"pytorchvideo.{_name}", module=_refusal(_name))
