"""ResNet with the temporal interlace module (TIN: Shao et al. 2020, "Temporal Interlacing Network"), as
MMAction2 0.x's `ResNetTIN`.

Every block's first convolution gets a `TemporalInterlace` in front of it, in a `CombineNet`: the convolution's
keys become `layer1.0.conv1.conv.net2.weight` and the module's `layer1.0.conv1.conv.net1.offset_net.fc1.weight`,
as in MMAction2. TIN uses no temporal shift of its own (MMAction2's `ResNetTIN` skips TSM's shift), so the head
is a `TSMHead` that averages `num_segments` frames. Plain ResNet weights (MMAction2 or torchvision names) still
fit: `convert_weights` maps them to the interlaced places.
"""
from __future__ import annotations

from collections import OrderedDict

from vidrun.models.backbones.resnet_tsm import ResNetTSM
from vidrun.models.layers import CombineNet, TemporalInterlace
from vidrun.models.layers.temporal_interlace import OffsetNet, WeightNet
from vidrun.models.legacy_keys import rename_legacy_keys
from vidrun.models.registries import BACKBONES


@BACKBONES.register_module()
class ResNetTIN(ResNetTSM):
    """A `ResNet` whose blocks interlace `1/shift_div` of their channels in time (input
    `[N·num_segments, C, H, W]`). `is_tin=False` gives a plain ResNet. Other keyword arguments go to `ResNetTSM`
    and `ResNet`; `is_shift` and `temporal_pool`, which MMAction2's `ResNetTIN` accepts but never applies, are
    refused when set, so a config cannot believe it has them.
    """

    def __init__(self, depth: int, num_segments: int = 8, is_tin: bool = True, shift_div: int = 4, **kwargs):
        for name in ("is_shift", "temporal_pool"):
            if kwargs.pop(name, False):
                raise ValueError(f"ResNetTIN: {name}=True has no effect in MMAction2's ResNetTIN (it never "
                                 f"applies TSM's shift or pooling); leave {name} out")
        super().__init__(depth, num_segments=num_segments, is_shift=False, shift_div=shift_div, **kwargs)
        self.is_tin = is_tin
        if is_tin:
            self.make_temporal_interlace()
            self._freeze_stages()  # again: the interlace modules of frozen stages are frozen too

    def make_temporal_interlace(self) -> None:
        """Put a `TemporalInterlace` in front of the first convolution of every block of every stage."""
        for name in self.res_layers:
            for block in getattr(self, name):
                conv = block.conv1.conv
                interlace = TemporalInterlace(conv.in_channels, self.num_segments, self.shift_div)
                block.conv1.conv = CombineNet(interlace, conv)

    def init_weights(self) -> None:
        """`ResNet.init_weights`, then the interlace modules' own initialisation when there is no weights file
        (MMAction2 adds them after the ResNet's initialisation, so Kaiming never touches them)."""
        super().init_weights()
        if self.pretrained is None:
            for module in self.modules():
                if isinstance(module, (OffsetNet, WeightNet)):
                    module.init_weights()

    def convert_weights(self, state_dict: dict) -> OrderedDict:
        """A plain ResNet's weights under this model's names: the classifier left out, earlier and torchvision
        names mapped, and each block's first convolution moved under `net2`."""
        own = self.state_dict().keys()
        plain = {k.replace(".conv.net2.", ".conv."): k for k in own if ".net1." not in k}
        kept = OrderedDict((k, v) for k, v in state_dict.items() if not k.startswith("fc."))
        renamed = rename_legacy_keys(kept, plain.keys())[0]
        return OrderedDict((plain.get(k, k), v) for k, v in renamed.items())
