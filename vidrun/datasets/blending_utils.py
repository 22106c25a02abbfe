"""Mini-batch blending (mixup, cutmix), as MMAction2 0.24 applies it in a recognizer's training forward.

`model.train_cfg = dict(blending=dict(type='MixupBlending', num_classes=400, alpha=0.2))`: the recognizer turns
each training (and `val_step`) batch and its hard labels into blended inputs and soft labels before the
backbone. The random draws are MMAction2's, from torch's global generator, in its order, so the same seed blends
the same pairs with the same weights.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.distributions.beta import Beta

from vidrun.datasets.registries import BLENDINGS


class BaseMiniBatchBlending:
    """Blends a batch `imgs` [B, N, C, H, W] or [B, N, C, T, H, W] and its hard labels [B, 1] (ints in
    [0, num_classes)); returns the blended inputs and soft labels [B, 1, num_classes] (float, rows sum to 1).
    Subclasses implement `do_blending(imgs, one_hot_label)`."""

    def __init__(self, num_classes: int):
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"{type(self).__name__}: num_classes must be a positive int, got {num_classes!r}")
        self.num_classes = num_classes

    def do_blending(self, imgs: torch.Tensor, label: torch.Tensor, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def __call__(self, imgs: torch.Tensor, label: torch.Tensor, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
        if label.is_floating_point() or (label.numel() and int(label.max()) >= self.num_classes):
            raise ValueError(f"{type(self).__name__} takes hard labels in [0, {self.num_classes}) "
                             f"(num_classes={self.num_classes}); got {label.dtype} labels with maximum "
                             f"{label.max().item()}: check num_classes against the head's")
        return self.do_blending(imgs, F.one_hot(label, num_classes=self.num_classes), **kwargs)


def _beta(alpha: float, owner: str) -> Beta:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
        raise ValueError(f"{owner}: alpha must be a positive number, got {alpha!r}")
    # CPU tensors made here, as Beta(alpha, alpha) would make them, also when a model is built under
    # `torch.device('meta')` (shape checks): the draws stay on the CPU generator, as in MMAction2.
    concentration = torch.tensor(float(alpha), device="cpu")
    return Beta(concentration, concentration)


@BLENDINGS.register_module()
class MixupBlending(BaseMiniBatchBlending):
    """Mixup (Zhang et al., 2018): `lam * x + (1 - lam) * x[perm]` for inputs and labels alike.

    Draws, as MMAction2's: `lam` from Beta(alpha, alpha) (`Beta.sample()`), then `torch.randperm(B)`.
    """

    def __init__(self, num_classes: int, alpha: float = 0.2):
        super().__init__(num_classes)
        self.alpha = alpha
        self.beta = _beta(alpha, type(self).__name__)

    def do_blending(self, imgs: torch.Tensor, label: torch.Tensor, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
        if kwargs:
            raise TypeError(f"MixupBlending takes no extra arguments, got {sorted(kwargs)}")
        lam = self.beta.sample()
        rand_index = torch.randperm(imgs.size(0))
        mixed_imgs = lam * imgs + (1 - lam) * imgs[rand_index, :]
        mixed_label = lam * label + (1 - lam) * label[rand_index, :]
        return mixed_imgs, mixed_label


@BLENDINGS.register_module()
class CutmixBlending(BaseMiniBatchBlending):
    """CutMix (Yun et al., 2019): a box of every frame is pasted from another sample of the batch; the labels
    are weighted by the pasted area.

    Draws, as MMAction2's: `torch.randperm(B)`, `lam` from Beta(alpha, alpha), then the box centre
    `torch.randint(W, (1,))` and `torch.randint(H, (1,))`. The box has sides `int(side * sqrt(1 - lam))`, is
    centred there and clipped to the frame; the label weight is recomputed from the clipped area. Unlike
    MMAction2, the input tensor is not modified in place (the box is pasted into a copy).
    """

    def __init__(self, num_classes: int, alpha: float = 0.2):
        super().__init__(num_classes)
        self.alpha = alpha
        self.beta = _beta(alpha, type(self).__name__)

    @staticmethod
    def rand_bbox(img_size: torch.Size, lam: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(x1, y1, x2, y2) of a random box covering about `1 - lam` of a frame of `img_size` (..., H, W)."""
        w, h = img_size[-1], img_size[-2]
        cut_rat = torch.sqrt(1.0 - lam)
        cut_w = torch.tensor(int(w * cut_rat))
        cut_h = torch.tensor(int(h * cut_rat))
        cx = torch.randint(w, (1,))[0]
        cy = torch.randint(h, (1,))[0]
        return (torch.clamp(cx - cut_w // 2, 0, w), torch.clamp(cy - cut_h // 2, 0, h),
                torch.clamp(cx + cut_w // 2, 0, w), torch.clamp(cy + cut_h // 2, 0, h))

    def do_blending(self, imgs: torch.Tensor, label: torch.Tensor, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
        if kwargs:
            raise TypeError(f"CutmixBlending takes no extra arguments, got {sorted(kwargs)}")
        rand_index = torch.randperm(imgs.size(0))
        lam = self.beta.sample()
        x1, y1, x2, y2 = self.rand_bbox(imgs.size(), lam)
        imgs = imgs.clone()
        imgs[..., y1:y2, x1:x2] = imgs[rand_index, ..., y1:y2, x1:x2]
        lam = 1 - (1.0 * (x2 - x1) * (y2 - y1) / (imgs.size(-1) * imgs.size(-2)))
        return imgs, lam * label + (1 - lam) * label[rand_index, :]
