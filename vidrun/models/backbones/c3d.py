"""C3D (Tran et al. 2015, "Learning Spatiotemporal Features with 3D Convolutional Networks") as MMAction2 builds it.

Eight 3×3×3 convs (64, 128, 256, 256, 512, 512, 512, 512 channels) between five max pools — pool1 (1,2,2)
keeps time, pool2..pool5 (2,2,2), pool5 padded (0,1,1) — then fc6 (`out_dim` → 4096) and fc7 (4096 → 4096),
each followed by ReLU, with dropout between them. For the canonical 16×112×112 clips pool5 gives 512×1×4×4 =
8192 features, MMAction2's `out_dim`. Module names follow MMAction2 (`conv1a.conv`, `fc6`), so its C3D
checkpoints (e.g. Sports-1M weights) load as they are.
"""
from __future__ import annotations

import logging

import torch
from torch import nn

from vidrun.models.layers import ConvModule
from vidrun.models.pretrained import load_pretrained
from vidrun.models.registries import BACKBONES
from vidrun.models.weight_init import init_conv_and_norm, normal_init

_log = logging.getLogger("vidrun")
# (name, input channels, output channels) of each conv; a pool follows the last conv of each group.
_GROUPS = ((("conv1a", 3, 64),), (("conv2a", 64, 128),), (("conv3a", 128, 256), ("conv3b", 256, 256)),
           (("conv4a", 256, 512), ("conv4b", 512, 512)), (("conv5a", 512, 512), ("conv5b", 512, 512)))


@BACKBONES.register_module()
class C3D(nn.Module):
    """C3D backbone: `[N, 3, T, H, W]` → `[N, 4096]` (after fc7 and its ReLU; the head applies its own dropout).

    `conv_cfg` None means Conv3d, `act_cfg` None ReLU, `norm_cfg` None no norm (the convs then have a bias).
    `out_dim` must equal the flattened pool5 size of the clips fed in; a clip of another size is a ValueError
    giving the `out_dim` it needs. `style` is accepted for MMAction2's configs and changes nothing.
    `init_weights()`: Kaiming for convs, normal(0, `init_std`) for fc6 / fc7, or the local file `pretrained`."""

    def __init__(self, pretrained: str | None = None, style: str = "pytorch", conv_cfg: dict | None = None,
                 norm_cfg: dict | None = None, act_cfg: dict | None = None, out_dim: int = 8192,
                 dropout_ratio: float = 0.5, init_std: float = 0.005):
        super().__init__()
        if style not in ("pytorch", "caffe"):
            raise ValueError(f"C3D: style={style!r} is not one of ('pytorch', 'caffe')")
        if pretrained is not None and not isinstance(pretrained, str):
            raise TypeError(f"C3D: pretrained must be a path or None, not {pretrained!r}")
        self.pretrained, self.style, self.init_std = pretrained, style, init_std
        conv_param = dict(kernel_size=(3, 3, 3), padding=(1, 1, 1), conv_cfg=conv_cfg or {"type": "Conv3d"},
                          norm_cfg=norm_cfg, act_cfg=act_cfg or {"type": "ReLU"}, dims=3)
        for i, group in enumerate(_GROUPS):
            for name, cin, cout in group:
                self.add_module(name, ConvModule(cin, cout, **conv_param))
            size = (1, 2, 2) if i == 0 else (2, 2, 2)
            padding = (0, 1, 1) if i == len(_GROUPS) - 1 else 0
            self.add_module(f"pool{i + 1}", nn.MaxPool3d(size, size, padding))
        self.fc6 = nn.Linear(out_dim, 4096)
        self.fc7 = nn.Linear(4096, 4096)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(p=dropout_ratio)

    def init_weights(self) -> None:
        """Initialise from scratch, or load `pretrained` (a local file) over it when it is set."""
        init_conv_and_norm(self)
        normal_init(self.fc6, std=self.init_std)
        normal_init(self.fc7, std=self.init_std)
        if self.pretrained is not None:
            load_pretrained(self, self.pretrained, "C3D", logger=_log)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 5:
            raise ValueError(f"C3D expects clips [N, C, T, H, W], got shape {tuple(x.shape)}")
        self._check_clip(tuple(x.shape[2:]))
        for i, group in enumerate(_GROUPS):
            for name, _, _ in group:
                x = getattr(self, name)(x)
            x = getattr(self, f"pool{i + 1}")(x)
        x = self.dropout(self.relu(self.fc6(x.flatten(start_dim=1))))
        return self.relu(self.fc7(x))

    def _check_clip(self, clip: tuple[int, ...]) -> None:
        """A ValueError, before any compute, when `T×H×W` clips do not give `out_dim` features after pool5."""
        features = pool5_features(clip)
        size = "×".join(map(str, clip))
        if not features:
            raise ValueError(f"C3D: {size} clips are too small for its five pools; T, H and W must be at least 16 "
                             f"(out_dim=8192 is for 16×112×112 clips)")
        if features != self.fc6.in_features:
            raise ValueError(f"C3D: out_dim={self.fc6.in_features} does not fit {size} clips, which give "
                             f"{features} features after pool5; set out_dim={features} (8192 is for 16×112×112)")


def pool5_features(clip: tuple[int, ...]) -> int:
    """The number of features C3D's pool5 gives for `T×H×W` clips (0 when a pool would get an empty input).
    The 3×3×3 convs keep sizes; a (2,2,2) pool floors sizes by half, pool1 only H and W, and pool5's
    padding (0,1,1) adds one to H and W: floor((n + 2 - 2) / 2) + 1."""
    t, h, w = clip
    h, w = h // 2, w // 2
    for _ in range(3):
        t, h, w = t // 2, h // 2, w // 2
    if min(t, h, w) < 1:
        return 0
    return 512 * (t // 2) * (h // 2 + 1) * (w // 2 + 1)
