"""`TemporalShift` (Lin et al. 2019, "TSM: Temporal Shift Module for Efficient Video Understanding").

Wraps a module `net` and, before it, moves a fraction of the channels one frame back or forward in time, which
mixes time at no extra parameters. The wrapped module's parameters are reachable as `<name>.net.*`, as in
MMAction2 (`layer1.0.conv1.conv.net.weight` for a shifted ConvModule convolution).
"""
from __future__ import annotations

import torch
from torch import nn


class TemporalShift(nn.Module):
    """Shift channels in time, then apply `net`.

    Input `[N·num_segments, C, H, W]`. Of the C channels, the first C//shift_div take the next frame's values
    (the last frame gets zeros), the next C//shift_div take the previous frame's (the first frame gets zeros),
    and the rest stay.
    """

    def __init__(self, net: nn.Module, num_segments: int = 3, shift_div: int = 8):
        super().__init__()
        if num_segments < 1 or shift_div < 1:
            raise ValueError(f"TemporalShift: num_segments ({num_segments}) and shift_div ({shift_div}) must "
                             f"be positive")
        self.net = net
        self.num_segments = num_segments
        self.shift_div = shift_div

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.shift(x, self.num_segments, self.shift_div))

    @staticmethod
    def shift(x: torch.Tensor, num_segments: int, shift_div: int = 3) -> torch.Tensor:
        """The shifted copy of `x` (`[N·num_segments, C, H, W]`, same shape out)."""
        n, c, h, w = x.shape
        if n % num_segments:
            raise ValueError(f"TemporalShift: {n} frames is not a multiple of num_segments={num_segments}; "
                             f"the input must be [N·num_segments, C, H, W]")
        x = x.reshape(n // num_segments, num_segments, c, h * w)
        fold = c // shift_div
        out = torch.zeros_like(x)
        out[:, :-1, :fold] = x[:, 1:, :fold]  # frame t takes t+1's values
        out[:, 1:, fold:2 * fold] = x[:, :-1, fold:2 * fold]  # frame t takes t-1's values
        out[:, :, 2 * fold:] = x[:, :, 2 * fold:]
        return out.reshape(n, c, h, w)

    def extra_repr(self) -> str:
        return f"num_segments={self.num_segments}, shift_div={self.shift_div}"
