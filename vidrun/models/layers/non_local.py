"""Non-local blocks (Wang et al. 2018, "Non-local Neural Networks") on clips `[N, C, T, H, W]`, as mmcv 1.x's
`NonLocal3d`, which MMAction2 0.x's I3D-NL, SlowOnly-NL and TSM-NL use; and `NonLocalFrames`, the wrapper
that puts one after a 2D block of a frame network (TSM-NL).

The block computes `x + conv_out(f(θ(x), φ(x)) · g(x))` over every pair of positions of the clip. Module names
are mmcv's (state-dict keys of MMAction2's checkpoints): `g`, `conv_out` (with the norm of `norm_cfg`),
`theta` and `phi` (not in 'gaussian' mode), each a `ConvModule` with a 1×1×1 convolution; with `sub_sample`
`g` and `phi` are followed by a (1, 2, 2) max pool (keys `g.0.conv.*`, `phi.0.conv.*`). The pairwise function
`f` per `mode`:

- 'embedded_gaussian': softmax over φ positions of θᵀφ, divided first by √inter_channels when `use_scale`;
- 'dot_product': θᵀφ divided by the number of φ positions;
- 'gaussian': softmax of xᵀx (θ and φ are the input itself; φ max-pooled with `sub_sample`);
- 'concatenation': ReLU(w·[θ; φ]) (a 2D 1×1 convolution `concat_project`) divided by the number of φ positions.
"""
from __future__ import annotations

import torch
from torch import nn

from vidrun.models.layers.conv_module import ConvModule
from vidrun.models.weight_init import constant_init, normal_init

MODES = ("embedded_gaussian", "dot_product", "gaussian", "concatenation")


class NonLocal3d(nn.Module):
    """mmcv's `NonLocal3d(in_channels, sub_sample=False, conv_cfg=dict(type='Conv3d'), reduction=2,
    use_scale=True, norm_cfg=None, mode='embedded_gaussian', std=0.01, zeros_init=True)`: inter channels
    `max(in_channels // reduction, 1)`; `norm_cfg` applies to `conv_out` only. `init_weights` draws the
    θ/φ/g convolutions from N(0, std) and zeroes `conv_out`'s norm (its convolution without a norm), so a new
    block starts as the identity. An unknown `mode` is a ValueError."""

    def __init__(self, in_channels: int, sub_sample: bool = False, conv_cfg: dict | None = None,
                 reduction: int = 2, use_scale: bool = True, norm_cfg: dict | None = None,
                 mode: str = "embedded_gaussian", std: float = 0.01, zeros_init: bool = True):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"NonLocal3d: mode={mode!r} is not one of {MODES}")
        self.in_channels, self.reduction, self.use_scale = in_channels, reduction, use_scale
        self.inter_channels, self.mode, self.sub_sample = max(in_channels // reduction, 1), mode, sub_sample
        conv_cfg = dict(conv_cfg or {"type": "Conv3d"})
        one = dict(kernel_size=1, conv_cfg=conv_cfg, act_cfg=None, dims=3)
        self.g = ConvModule(in_channels, self.inter_channels, **one)
        self.conv_out = ConvModule(self.inter_channels, in_channels, norm_cfg=norm_cfg, **one)
        if mode != "gaussian":
            self.theta = ConvModule(in_channels, self.inter_channels, **one)
            self.phi = ConvModule(in_channels, self.inter_channels, **one)
        if mode == "concatenation":
            self.concat_project = ConvModule(self.inter_channels * 2, 1, 1, bias=False, act_cfg={"type": "ReLU"})
        self.std, self.zeros_init = std, zeros_init
        self.init_weights()
        if sub_sample:
            pool = nn.MaxPool3d(kernel_size=(1, 2, 2))
            self.g = nn.Sequential(self.g, pool)
            self.phi = nn.Sequential(self.phi, pool) if mode != "gaussian" else pool

    def init_weights(self, std: float | None = None, zeros_init: bool | None = None) -> None:
        """N(0, std) for the θ, φ and g convolutions (g alone in 'gaussian' mode), biases 0; `conv_out`'s norm
        (or convolution) zero with `zeros_init`, else N(0, std). None: the values given at construction."""
        std = self.std if std is None else std
        zeros_init = self.zeros_init if zeros_init is None else zeros_init
        for name in ("g", "theta", "phi") if self.mode != "gaussian" else ("g",):
            normal_init(self._conv_module(name).conv, std=std)
        last = self.conv_out.norm if self.conv_out.norm is not None else self.conv_out.conv
        if zeros_init:
            constant_init(last, 0.0)
        else:
            normal_init(last, std=std)

    def _conv_module(self, name: str) -> ConvModule:
        module = getattr(self, name)
        return module[0] if isinstance(module, nn.Sequential) else module

    def _pairwise(self, theta_x: torch.Tensor, phi_x: torch.Tensor) -> torch.Tensor:
        """Weights [N, positions, φ positions] from θ [N, positions, C'] and φ [N, C', φ positions]."""
        if self.mode == "concatenation":
            rows, cols = theta_x.size(2), phi_x.size(3)
            pairs = torch.cat([theta_x.repeat(1, 1, 1, cols), phi_x.repeat(1, 1, rows, 1)], dim=1)
            weight = self.concat_project(pairs).squeeze(1)
            return weight / weight.shape[-1]
        weight = torch.matmul(theta_x, phi_x)
        if self.mode == "dot_product":
            return weight / weight.shape[-1]
        if self.mode == "embedded_gaussian" and self.use_scale:
            weight = weight / theta_x.shape[-1] ** 0.5
        return weight.softmax(dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.size(0)
        g_x = self.g(x).view(n, self.inter_channels, -1).permute(0, 2, 1)
        if self.mode == "gaussian":
            theta_x = x.view(n, self.in_channels, -1).permute(0, 2, 1)
            phi_x = (self.phi(x) if self.sub_sample else x).view(n, self.in_channels, -1)
        elif self.mode == "concatenation":
            theta_x = self.theta(x).view(n, self.inter_channels, -1, 1)
            phi_x = self.phi(x).view(n, self.inter_channels, 1, -1)
        else:
            theta_x = self.theta(x).view(n, self.inter_channels, -1).permute(0, 2, 1)
            phi_x = self.phi(x).view(n, self.inter_channels, -1)
        y = torch.matmul(self._pairwise(theta_x, phi_x), g_x)
        y = y.permute(0, 2, 1).contiguous().reshape(n, self.inter_channels, *x.shape[2:])
        return x + self.conv_out(y)


class NonLocalFrames(nn.Module):
    """A 2D residual block of a frame network followed by a `NonLocal3d` over each clip's frames (MMAction2's
    `NL3DWrapper`, TSM-NL): input and output `[N·num_segments, C, H, W]`, consecutive `num_segments` frames
    one clip. Keys: `block.*` (the wrapped block), `non_local_block.*`."""

    def __init__(self, block: nn.Module, num_segments: int, non_local_cfg: dict | None = None):
        super().__init__()
        inner = getattr(block, "net", block)  # a block wrapped in TemporalShift (shift_place='block')
        last = inner.conv3 if hasattr(inner, "conv3") else inner.conv2
        self.block, self.num_segments = block, num_segments
        self.non_local_block = NonLocal3d(last.norm.num_features if last.norm is not None
                                          else last.conv.out_channels, **dict(non_local_cfg or {}))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.block(x)
        n, c, h, w = x.shape
        if n % self.num_segments:
            raise ValueError(f"NonLocalFrames: {n} frames is not a whole number of {self.num_segments}-frame clips")
        clips = x.view(n // self.num_segments, self.num_segments, c, h, w).transpose(1, 2).contiguous()
        return self.non_local_block(clips).transpose(1, 2).contiguous().view(n, c, h, w)
