"""The temporal adaptive module (TAM) of TANet (Liu et al. 2021, "TAM: Temporal Adaptive Module for Video
Recognition"), as MMAction2 0.x's `TAM` (`mmaction/models/common/tam.py`), with its sub-module names.

On frames `[N·num_segments, C, H, W]`, each channel's spatially averaged time series (length `num_segments`)
drives two branches: the local branch `L` (conv1d over channels and time, BN, ReLU, 1×1 conv1d, sigmoid) gives a
per-frame, per-channel gate that multiplies the features; the global branch `G` (linear T → αT, BN, ReLU, linear
αT → K, softmax) gives each channel of each clip its own temporal kernel of size K, which then convolves the gated
features along time (zero padding, per channel and clip).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class TAM(nn.Module):
    """Temporal adaptive module: input and output `[N·num_segments, in_channels, H, W]`.

    `alpha` widens the global branch, `adaptive_kernel_size` is K, `beta` narrows the local branch,
    `conv1d_kernel_size` is the local branch's temporal kernel; the adaptive convolution runs with stride
    `adaptive_convolution_stride` and padding `adaptive_convolution_padding` along time (the defaults keep the
    length). `init_std` is accepted and unused, as in MMAction2 (layers keep PyTorch's initialisation).
    """

    def __init__(self, in_channels: int, num_segments: int, alpha: int = 2, adaptive_kernel_size: int = 3,
                 beta: int = 4, conv1d_kernel_size: int = 3, adaptive_convolution_stride: int = 1,
                 adaptive_convolution_padding: int = 1, init_std: float = 0.001):
        super().__init__()
        if alpha <= 0 or beta <= 0:
            raise ValueError(f"TAM: alpha ({alpha}) and beta ({beta}) must be positive")
        self.in_channels, self.num_segments = in_channels, num_segments
        self.alpha, self.adaptive_kernel_size, self.beta = alpha, adaptive_kernel_size, beta
        self.conv1d_kernel_size = conv1d_kernel_size
        self.adaptive_convolution_stride = adaptive_convolution_stride
        self.adaptive_convolution_padding = adaptive_convolution_padding
        self.init_std = init_std
        self.G = nn.Sequential(
            nn.Linear(num_segments, num_segments * alpha, bias=False), nn.BatchNorm1d(num_segments * alpha),
            nn.ReLU(inplace=True), nn.Linear(num_segments * alpha, adaptive_kernel_size, bias=False),
            nn.Softmax(-1))
        self.L = nn.Sequential(
            nn.Conv1d(in_channels, in_channels // beta, conv1d_kernel_size, stride=1,
                      padding=conv1d_kernel_size // 2, bias=False),
            nn.BatchNorm1d(in_channels // beta), nn.ReLU(inplace=True),
            nn.Conv1d(in_channels // beta, in_channels, 1, bias=False), nn.Sigmoid())

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation of every layer (what MMAction2's TAM starts from)."""
        for module in self.modules():
            if module is not self and hasattr(module, "reset_parameters"):
                module.reset_parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        t = self.num_segments
        if c != self.in_channels or n % t:
            raise ValueError(f"TAM: input {tuple(x.shape)} must be [N·{t}, {self.in_channels}, H, W]")
        clips = n // t
        x = x.view(clips, t, c, h, w).permute(0, 2, 1, 3, 4).contiguous()  # [clips, C, T, H, W]
        theta = x.mean(dim=(3, 4))  # [clips, C, T]
        kernel = self.G(theta.reshape(-1, t)).view(clips * c, 1, -1, 1)
        gate = self.L(theta).view(clips, c, t, 1, 1)
        y = F.conv2d((x * gate).view(1, clips * c, t, h * w), kernel, bias=None,
                     stride=(self.adaptive_convolution_stride, 1),
                     padding=(self.adaptive_convolution_padding, 0), groups=clips * c)
        y = y.view(clips, c, t, h, w)
        return y.permute(0, 2, 1, 3, 4).contiguous().view(n, c, h, w)
