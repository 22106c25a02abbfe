import pytest
import torch
from torch import nn


class TinyBackbone2D(nn.Module):
    def __init__(self, channels=4):
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 3, padding=1)

    def init_weights(self):
        nn.init.normal_(self.conv.weight, std=0.1)

    def forward(self, x):
        return torch.relu(self.conv(x))


class TinyBackbone3D(nn.Module):
    def __init__(self, channels=4):
        super().__init__()
        self.conv = nn.Conv3d(3, channels, 3, padding=1)

    def init_weights(self):
        nn.init.normal_(self.conv.weight, std=0.1)

    def forward(self, x):
        return torch.relu(self.conv(x))


@pytest.fixture
def tiny():
    return dict(b2d=TinyBackbone2D, b3d=TinyBackbone3D)
