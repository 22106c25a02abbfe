"""TANet (Liu et al. 2021, "TAM: Temporal Adaptive Module for Video Recognition"), as MMAction2 0.x's `TANet`.

A ResNet whose every Bottleneck becomes a `TABlock`: the block runs as before with a `TAM` between its first
and second convolution. The block keeps its keys under `block.` and the module sits beside it as `tam.`
(`layer1.0.block.conv1.conv.weight`, `layer1.0.tam.G.0.weight`), as in MMAction2. Plain ResNet weights
(MMAction2 or torchvision names) still fit: `convert_weights` moves them under `block.`.
"""
from __future__ import annotations

from collections import OrderedDict
from copy import deepcopy

import torch
import torch.utils.checkpoint as cp
from torch import nn

from vidrun.models.backbones.resnet import ResNet
from vidrun.models.layers import Bottleneck
from vidrun.models.layers.tam import TAM
from vidrun.models.legacy_keys import rename_legacy_keys
from vidrun.models.registries import BACKBONES


class TABlock(nn.Module):
    """A Bottleneck `block` with a `TAM` after its first convolution: conv1 → TAM → conv2 → conv3, plus the
    (downsampled) input, then the block's ReLU. Only Bottleneck blocks are supported, as in MMAction2."""

    def __init__(self, block: nn.Module, num_segments: int, tam_cfg: dict | None = None):
        super().__init__()
        if not isinstance(block, Bottleneck):
            raise NotImplementedError(f"TABlock: only Bottleneck blocks (ResNet-50/101/152) take a TAM, not "
                                      f"{type(block).__name__}")
        self.tam_cfg = deepcopy(tam_cfg or {})
        self.block = block
        self.num_segments = num_segments
        self.tam = TAM(in_channels=block.conv1.conv.out_channels, num_segments=num_segments, **self.tam_cfg)

    def _inner_forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block.conv3(self.block.conv2(self.tam(self.block.conv1(x))))
        identity = x if self.block.downsample is None else self.block.downsample(x)
        return out + identity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.block.with_cp and x.requires_grad:
            out = cp.checkpoint(self._inner_forward, x, use_reentrant=False)
        else:
            out = self._inner_forward(x)
        return self.block.relu(out)


@BACKBONES.register_module()
class TANet(ResNet):
    """A `ResNet` (depth 50/101/152) of `TABlock`s over clips of `num_segments` (≥ 3) frames, input
    `[N·num_segments, C, H, W]`. `tam_cfg` goes to every `TAM`; other keyword arguments go to `ResNet`.
    MMAction2 builds the TA-blocks in `init_weights`, after reading the ImageNet weights; vidrun builds them with
    the model (same keys) and maps plain weights onto them."""

    def __init__(self, depth: int, num_segments: int, tam_cfg: dict | None = None, **kwargs):
        if not isinstance(num_segments, int) or num_segments < 3:
            raise ValueError(f"TANet: num_segments must be an int of at least 3, not {num_segments!r}")
        super().__init__(depth, **kwargs)
        self.num_segments = num_segments
        self.tam_cfg = deepcopy(tam_cfg or {})
        self.make_tam_modeling()
        self._freeze_stages()  # again: the TAMs of frozen stages are frozen too

    def make_tam_modeling(self) -> None:
        """Replace every block of every stage with a `TABlock` around it."""
        for name in self.res_layers:
            blocks = [TABlock(b, self.num_segments, self.tam_cfg) for b in getattr(self, name)]
            setattr(self, name, nn.Sequential(*blocks))

    def init_weights(self) -> None:
        """`ResNet.init_weights`, then PyTorch's default initialisation of the TAMs when there is no weights file
        (MMAction2 adds them after the ResNet's initialisation, so Kaiming never touches them)."""
        super().init_weights()
        if self.pretrained is None:
            for module in self.modules():
                if isinstance(module, TAM):
                    module.reset_parameters()

    def convert_weights(self, state_dict: dict) -> OrderedDict:
        """A plain ResNet's weights under this model's names: the classifier left out, earlier and torchvision
        names mapped, and each block's keys moved under `block.`."""
        plain = {k.replace(".block.", ".", 1): k for k in self.state_dict() if ".tam." not in k}
        kept = OrderedDict((k, v) for k, v in state_dict.items() if not k.startswith("fc."))
        renamed = rename_legacy_keys(kept, plain.keys())[0]
        return OrderedDict((plain.get(k, k), v) for k, v in renamed.items())
