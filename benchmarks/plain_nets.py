"""Plain PyTorch restatements of TSM-R18 and I3D-R50, written with `torch.nn` only (no vidrun import), for
`model_step.py` to time against vidrun's models.

Module names follow vidrun's (torchvision's) so `load_state_dict(vidrun_model.state_dict())` fits key for key:
the same weights give the same losses, which `model_step.py` checks before timing. The temporal shift is the
textbook one (zeros, then two slice copies); the head averages the frames' scores over the segments.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def shift(x: torch.Tensor, segments: int, fold_div: int) -> torch.Tensor:
    n, c, h, w = x.shape
    x = x.view(n // segments, segments, c, h, w)
    fold = c // fold_div
    out = torch.zeros_like(x)
    out[:, :-1, :fold] = x[:, 1:, :fold]
    out[:, 1:, fold:2 * fold] = x[:, :-1, fold:2 * fold]
    out[:, :, 2 * fold:] = x[:, :, 2 * fold:]
    return out.view(n, c, h, w)


class Shifted(nn.Module):
    def __init__(self, net: nn.Module, segments: int, fold_div: int):
        super().__init__()
        self.net, self.segments, self.fold_div = net, segments, fold_div

    def forward(self, x):
        return self.net(shift(x, self.segments, self.fold_div))


class Basic(nn.Module):
    def __init__(self, cin: int, planes: int, stride: int, segments: int):
        super().__init__()
        conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.conv1 = Shifted(conv1, segments, 8)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class Bottleneck3d(nn.Module):
    def __init__(self, cin: int, planes: int, stride: int, inflate: bool):
        super().__init__()
        k1 = (3, 1, 1) if inflate else (1, 1, 1)
        self.conv1 = nn.Conv3d(cin, planes, k1, 1, tuple(k // 2 for k in k1), bias=False)
        self.bn1 = nn.BatchNorm3d(planes)
        self.conv2 = nn.Conv3d(planes, planes, (1, 3, 3), (1, stride, stride), (0, 1, 1), bias=False)
        self.bn2 = nn.BatchNorm3d(planes)
        self.conv3 = nn.Conv3d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm3d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != planes * 4:
            self.downsample = nn.Sequential(nn.Conv3d(cin, planes * 4, 1, (1, stride, stride), bias=False),
                                            nn.BatchNorm3d(planes * 4))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class Head(nn.Module):
    def __init__(self, channels: int, classes: int):
        super().__init__()
        self.dropout = nn.Dropout(0.5)
        self.fc_cls = nn.Linear(channels, classes)


class Net(nn.Module):
    """`backbone` (stem + 4 stages) and `cls_head`; `segments` > 0 makes it TSM (frames in, a clip's frames
    averaged), 0 makes it a 3D network on clips."""

    def __init__(self, backbone: nn.Module, head: Head, segments: int):
        super().__init__()
        self.backbone, self.cls_head, self.segments = backbone, head, segments

    def forward(self, imgs: torch.Tensor) -> torch.Tensor:
        x = imgs.flatten(0, 1)  # [N·views, C, (T,) H, W]
        b = self.backbone
        x = b.maxpool(b.relu(b.bn1(b.conv1(x))))
        x = b.layer1(x)
        if not self.segments:  # I3D halves time after the first stage
            x = F.max_pool3d(x, (2, 1, 1), (2, 1, 1))
        x = b.layer4(b.layer3(b.layer2(x)))
        x = self.cls_head.dropout(x.mean(dim=tuple(range(2, x.dim()))))
        scores = self.cls_head.fc_cls(x)
        return scores.view(-1, self.segments, scores.shape[1]).mean(1) if self.segments else scores


def _backbone(conv1: nn.Module, bn1: nn.Module, pool: nn.Module, stages: list[nn.Sequential]) -> nn.Module:
    backbone = nn.Module()
    backbone.conv1, backbone.bn1, backbone.relu, backbone.maxpool = conv1, bn1, nn.ReLU(inplace=True), pool
    for i, stage in enumerate(stages):
        backbone.add_module(f"layer{i + 1}", stage)
    return backbone


def tsm_r18(classes: int, segments: int) -> Net:
    stages, cin = [], 64
    for i, planes in enumerate((64, 128, 256, 512)):
        stride = 1 if i == 0 else 2
        stages.append(nn.Sequential(Basic(cin, planes, stride, segments), Basic(planes, planes, 1, segments)))
        cin = planes
    backbone = _backbone(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.MaxPool2d(3, 2, 1), stages)
    return Net(backbone, Head(512, classes), segments)


def i3d_r50(classes: int) -> Net:
    inflate = ((1, 1, 1), (1, 0, 1, 0), (1, 0, 1, 0, 1, 0), (0, 1, 0))
    stages, cin = [], 64
    for i, flags in enumerate(inflate):
        planes, stride = 64 * 2 ** i, 1 if i == 0 else 2
        blocks = [Bottleneck3d(cin if j == 0 else planes * 4, planes, stride if j == 0 else 1, bool(f))
                  for j, f in enumerate(flags)]
        stages.append(nn.Sequential(*blocks))
        cin = planes * 4
    backbone = _backbone(nn.Conv3d(3, 64, (5, 7, 7), (2, 2, 2), (2, 3, 3), bias=False), nn.BatchNorm3d(64),
                         nn.MaxPool3d((1, 3, 3), (2, 2, 2), (0, 1, 1)), stages)
    return Net(backbone, Head(2048, classes), 0)


def plain_step(net: Net, optimizer: torch.optim.Optimizer, imgs: torch.Tensor, label: torch.Tensor,
               max_norm: float | None) -> float:
    """zero_grad, forward, cross-entropy, backward, optional norm clipping, SGD step; the loss as a float."""
    optimizer.zero_grad()
    loss = F.cross_entropy(net(imgs), label.view(-1))
    loss.backward()
    if max_norm is not None:
        nn.utils.clip_grad_norm_(net.parameters(), max_norm)
    optimizer.step()
    return loss.item()
