"""The temporal interlace module of TIN (Shao et al. 2020, "Temporal Interlacing Network"), as MMAction2 0.x's
`TemporalInterlace`, with a CUDA-free shift.

On frames `[N·num_segments, C, H, W]`, the first `C // shift_div` channels (the "folds") are moved in time by a
learned, fractional, per-clip offset and reweighted per frame; the other channels pass unchanged. An `OffsetNet`
predicts two offsets per clip (in (-2, 2)); the folds form four equal groups shifted by `+o1, +o2, -o1, -o2`, each
by linear interpolation between the two whole-frame shifts around the offset (`linear_sampler`). A `WeightNet`
predicts two weights per frame (in (0, 2)) that scale the groups as `w1, w2, w1, w2`. Sub-module names are
MMAction2's (`offset_net.conv`, `offset_net.fc1`, `offset_net.fc2`, `weight_net.conv`).

`tin_shift` is mmcv's `tin_shift` operator restated with `gather` (mmcv ships it for CUDA only), so TIN runs
anywhere. Its gradient is the true adjoint of the shift; mmcv's CUDA backward moves the gradient by the same offset
as the forward instead of the opposite one, so training on mmcv differs from vidrun there.
"""
from __future__ import annotations

import torch
from torch import nn


def tin_shift(data: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """`data` `[N, T, C, HW]` with channel group g of clip n moved `shift[n, g]` frames later in time (earlier
    when negative); frames moved past either end are dropped, emptied ones are zero. `shift` `[N, G]` holds
    whole numbers; the C channels form G equal consecutive groups."""
    n, t, c, hw = data.shape
    groups = shift.shape[1]
    if shift.shape[0] != n or groups < 1 or c % groups:
        raise ValueError(f"tin_shift: data {tuple(data.shape)} needs shift [N={n}, G] with C={c} a multiple "
                         f"of G, got shift {tuple(shift.shape)}")
    source = torch.arange(t, device=data.device).view(1, t, 1) - shift.long().view(n, 1, groups)
    inside = ((source >= 0) & (source < t)).repeat_interleave(c // groups, dim=2)
    source = source.clamp(0, t - 1).repeat_interleave(c // groups, dim=2)
    moved = data.gather(1, source[..., None].expand(n, t, c, hw))
    return torch.where(inside[..., None], moved, torch.zeros((), dtype=data.dtype, device=data.device))


def linear_sampler(data: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    """`data` `[N, T, C, H, W]` shifted in time by the fractional `offset` `[N, G]` of each of G channel groups:
    `(1 - f)·shift(floor(o)) + f·shift(floor(o) + 1)` with `f = o - floor(o)`."""
    n, t, c, h, w = data.shape
    whole = torch.floor(offset).int()
    flat = data.reshape(n, t, c, h * w)
    weight0 = 1 - (offset - whole.float())
    per_channel = c // offset.shape[1]
    weight0 = weight0.repeat_interleave(per_channel, dim=1)[:, None, :, None]
    out = weight0 * tin_shift(flat, whole) + (1 - weight0) * tin_shift(flat, whole + 1)
    return out.view(n, t, c, h, w)


class WeightNet(nn.Module):
    """Per-frame group weights in (0, 2): `2·sigmoid(conv1d(x))`, `x` `[N, C, T]` → `[N, T, groups]`. The bias
    starts at 0, so every weight starts at 1."""

    def __init__(self, in_channels: int, groups: int):
        super().__init__()
        self.groups = groups
        self.conv = nn.Conv1d(in_channels, groups, 3, padding=1)
        self.sigmoid = nn.Sigmoid()
        self.init_weights()

    def init_weights(self) -> None:
        """PyTorch's default initialisation, then a zero bias."""
        self.conv.reset_parameters()
        nn.init.zeros_(self.conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, t = x.shape
        return 2 * self.sigmoid(self.conv(x).view(n, self.groups, t).permute(0, 2, 1))


class OffsetNet(nn.Module):
    """Per-clip offsets in (-2, 2): conv1d to one channel, `fc1` (T → T), ReLU, `fc2` (T → groups), then
    `4·(sigmoid − 0.5)`; `x` `[N, C, T]` → `[N, 1, groups]`. `fc2`'s bias starts at 0.5108, so each offset starts
    near 0.5 (as the original TIN)."""

    def __init__(self, in_channels: int, groups: int, num_segments: int):
        super().__init__()
        self.sigmoid = nn.Sigmoid()
        self.conv = nn.Conv1d(in_channels, 1, 3, padding=1)
        self.fc1 = nn.Linear(num_segments, num_segments)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(num_segments, groups)
        self.init_weights()

    def init_weights(self) -> None:
        """PyTorch's default initialisation, then `fc2.bias` = 0.5108."""
        for layer in (self.conv, self.fc1, self.fc2):
            layer.reset_parameters()
        nn.init.constant_(self.fc2.bias, 0.5108)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, t = x.shape
        x = self.fc2(self.relu(self.fc1(self.conv(x).view(n, t))))
        return 4 * (self.sigmoid(x.view(n, 1, -1)) - 0.5)


class TemporalInterlace(nn.Module):
    """Interlace the first `in_channels // shift_div` channels in time (see the module docstring); input and
    output `[N·num_segments, in_channels, H, W]`. Those channels must split into 4 equal groups."""

    deform_groups = 2  # fixed, as in the original TIN: two learned offsets, each used forwards and backwards

    def __init__(self, in_channels: int, num_segments: int = 3, shift_div: int = 1):
        super().__init__()
        folds = in_channels // shift_div if shift_div > 0 else 0
        if folds < 4 or folds % 4:
            raise ValueError(f"TemporalInterlace: in_channels // shift_div = {in_channels} // {shift_div} must be "
                             f"a positive multiple of 4 (four channel groups are shifted)")
        self.num_segments, self.shift_div, self.in_channels = num_segments, shift_div, in_channels
        self.offset_net = OffsetNet(folds, self.deform_groups, num_segments)
        self.weight_net = WeightNet(folds, self.deform_groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        if n % self.num_segments:
            raise ValueError(f"TemporalInterlace: {n} frames is not a multiple of num_segments="
                             f"{self.num_segments}; the input must be [N·num_segments, C, H, W]")
        clips, folds = n // self.num_segments, c // self.shift_div
        moving = x[:, :folds].reshape(clips, self.num_segments, folds, h, w)
        pooled = moving.mean(dim=(3, 4)).permute(0, 2, 1).contiguous()  # [clips, folds, T]
        offset = self.offset_net(pooled).view(clips, -1)
        weight = self.weight_net(pooled)  # [clips, T, 2]
        shifted = linear_sampler(moving, torch.cat([offset, -offset], 1))
        # Group weights laid out as the offsets: w1, w2, w1, w2 over four equal channel groups.
        weight = weight[:, :, :, None].repeat(1, 1, 2, folds // 4).view(clips, self.num_segments, folds)
        shifted = (shifted * weight[:, :, :, None, None]).reshape(n, folds, h, w)
        return torch.cat([shifted, x[:, folds:]], dim=1)

    def extra_repr(self) -> str:
        return f"num_segments={self.num_segments}, shift_div={self.shift_div}"


class CombineNet(nn.Module):
    """`net2(net1(x))`: the interlace module `net1` in front of a block's convolution `net2` (keys `net1.*`,
    `net2.*`, as MMAction2's)."""

    def __init__(self, net1: nn.Module, net2: nn.Module):
        super().__init__()
        self.net1, self.net2 = net1, net2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net2(self.net1(x))
