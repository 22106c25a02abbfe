"""MobileNetV2 with the Temporal Shift Module, as MMAction2 0.x's `MobileNetV2TSM` (the TSM MobileNetV2 configs).

The shift goes where MMAction2 puts it: in every `InvertedResidual` that has an expansion convolution and adds
its input back (stride 1, same width), the expansion `ConvModule` `conv.0` becomes a `TemporalShift` whose `net`
is that module, so its keys read `layer2.1.conv.0.net.conv.weight`. The identity path keeps the frame's own
features. A plain MobileNetV2's weights (mmcls' ImageNet file) still fit: `convert_weights` maps
`layer2.1.conv.0.conv.weight` to the shifted place.
"""
from __future__ import annotations

from collections import OrderedDict

from vidrun.models.backbones.mobilenet_v2 import MobileNetV2
from vidrun.models.backbones.resnet_tsm import match_wrapped_keys
from vidrun.models.layers import InvertedResidual, TemporalShift
from vidrun.models.registries import BACKBONES


@BACKBONES.register_module()
class MobileNetV2TSM(MobileNetV2):
    """A `MobileNetV2` whose residual blocks shift channels in time (input `[N·num_segments, 3, H, W]`).

    `is_shift=False` gives a plain MobileNetV2; `shift_div` is the fraction (1/shift_div each way) of the
    expansion's input channels shifted. MMAction2 inserts the shift in `init_weights`, after the ImageNet
    weights are read; vidrun inserts it when the model is built (the keys are the same) and maps plain weights
    onto it. Other keyword arguments go to `MobileNetV2`.
    """

    def __init__(self, num_segments: int = 8, is_shift: bool = True, shift_div: int = 8, **kwargs):
        if not isinstance(num_segments, int) or num_segments < 1:
            raise ValueError(f"MobileNetV2TSM: num_segments must be a positive int, not {num_segments!r}")
        if not isinstance(shift_div, int) or shift_div < 1:
            raise ValueError(f"MobileNetV2TSM: shift_div must be a positive int, not {shift_div!r}")
        super().__init__(**kwargs)
        self.num_segments, self.is_shift, self.shift_div = num_segments, is_shift, shift_div
        if is_shift:
            self.make_temporal_shift()

    def make_temporal_shift(self) -> None:
        """Wrap the expansion convolution of every residual block that has one in `TemporalShift`."""
        for module in self.modules():
            if isinstance(module, InvertedResidual) and len(module.conv) == 3 and module.use_res_connect:
                module.conv[0] = TemporalShift(module.conv[0], self.num_segments, self.shift_div)

    def convert_weights(self, state_dict: dict) -> OrderedDict:
        """Plain MobileNetV2 weights under this model's names: each key matched to its shift-wrapped place."""
        return match_wrapped_keys(state_dict, self.state_dict().keys(), (n for n, _ in self.named_modules()))
