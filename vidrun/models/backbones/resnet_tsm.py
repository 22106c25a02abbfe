"""ResNet with the Temporal Shift Module (Lin et al. 2019, "TSM: Temporal Shift Module for Efficient Video
Understanding"), as MMAction2 0.x's `ResNetTSM`.

The network sees frames `[N·num_segments, C, H, W]` (consecutive `num_segments` frames are one clip) and before
some convolutions moves a fraction of the channels one frame back or forward in time (`TemporalShift`), which
mixes time at no extra parameters. The shift only wraps existing modules, as MMAction2 does: with 'blockres'
each block's first convolution (`layer1.0.conv1.conv` becomes a `TemporalShift` whose `net` is the convolution:
key `layer1.0.conv1.conv.net.weight`), with 'block' each block (`layer1.0.net.conv1.conv.weight`). So plain
ResNet weights still fit: `convert_weights` maps `layer1.0.conv1.conv.weight` (or torchvision's
`layer1.0.conv1.weight`) to the shifted place.
"""
from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from vidrun.models.backbones.resnet import ResNet
from vidrun.models.backbones.resnet3d import _per_block
from vidrun.models.layers import TemporalPool, TemporalShift
from vidrun.models.layers.non_local import NonLocal3d, NonLocalFrames
from vidrun.models.legacy_keys import legacy_key_map, rename_legacy_keys
from vidrun.models.registries import BACKBONES

__all__ = ["ResNetTSM", "TemporalShift", "match_wrapped_keys", "unwrap_name"]

_log = logging.getLogger("vidrun")
SHIFT_PLACES = ("blockres", "block")


def unwrap_name(name: str) -> str:
    """`name` with the `.net` levels that `TemporalShift` adds and the `.block` levels of `NonLocalFrames`
    removed: `layer1.0.conv1.net.weight` → `layer1.0.conv1.weight`."""
    return re.sub(r"\.(?:net|block)(?=\.|$)", "", name)


def match_wrapped_keys(state_dict: dict, own_keys: Iterable[str], own_modules: Iterable[str] = ()) -> OrderedDict:
    """`state_dict` with each key the model lacks renamed to the model key that is the same once `.net`
    wrappers are removed from both (`layer1.0.conv1.weight` → `layer1.0.conv1.net.weight`); keys the model has,
    or that match nothing, are kept. Module paths in `_metadata` are matched against `own_modules` alike."""
    def renamer(own: Iterable[str]):
        own = set(own)
        plain = {unwrap_name(k): k for k in own}
        return lambda key: key if key in own else plain.get(unwrap_name(key), key)

    rename = renamer(own_keys)
    out: OrderedDict = OrderedDict()
    for key, value in state_dict.items():
        new = rename(key)
        if new in out:
            raise ValueError(f"weights file has two keys for {new!r} (one is {key!r})")
        out[new] = value
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        rename_module = renamer(own_modules)
        out._metadata = OrderedDict((rename_module(k), v) for k, v in metadata.items())  # type: ignore[attr-defined]
    return out


@BACKBONES.register_module()
class ResNetTSM(ResNet):
    """A `ResNet` whose blocks shift channels in time (input `[N·num_segments, C, H, W]`, output per frame).

    `shift_place='blockres'` shifts the input of each block's first convolution, inside the residual branch
    (the identity path keeps the frame's own features); `'block'` shifts the block's whole input. As in
    MMAction2, a ResNet with 23 or more blocks in stage 3 (ResNet-101/152) shifts every other block under
    'blockres'. `is_shift=False` gives a plain ResNet (TSN). `temporal_pool=True` halves the frames before
    layer2 (`TemporalPool`, keys `layer2.net.*`) and shifts layers 2 to 4 over `num_segments // 2` frames; the
    head must then group `num_segments // 2` frames (`TSMHead(temporal_pool=True)`). `non_local` (flags per
    block) with a non-empty `non_local_cfg` follows those blocks by a `NonLocal3d` over each clip
    (`NonLocalFrames`: keys `layerK.i.block.*`, `layerK.i.non_local_block.*`); as in MMAction2, an empty
    `non_local_cfg` adds none, and the non-local blocks keep their own initialisation (N(0, 0.01), `conv_out`
    zero) after `init_weights`. Other keyword arguments go to `ResNet`.
    """

    def __init__(self, depth: int, num_segments: int = 8, is_shift: bool = True,
                 non_local: Sequence = (0, 0, 0, 0), non_local_cfg: dict | None = None, shift_div: int = 8,
                 shift_place: str = "blockres", temporal_pool: bool = False, **kwargs):
        self._check_tsm_args(num_segments, shift_div, shift_place, temporal_pool)
        super().__init__(depth, **kwargs)
        self.num_segments, self.is_shift, self.shift_div = num_segments, is_shift, shift_div
        self.shift_place, self.temporal_pool = shift_place, temporal_pool
        self.non_local, self.non_local_cfg = non_local, dict(non_local_cfg or {})
        if is_shift:
            self.make_temporal_shift()
        if self.non_local_cfg:
            self.make_non_local()
        elif any(any(f) for f in _per_block(non_local, self.stage_blocks, "non_local", "ResNetTSM")):
            _log.warning("ResNetTSM: non_local=%r with an empty non_local_cfg adds no non-local block (as in "
                         "MMAction2); give non_local_cfg to have them", non_local)
        if temporal_pool:
            self.layer2 = TemporalPool(self.layer2, num_segments)

    @staticmethod
    def _check_tsm_args(num_segments: int, shift_div: int, shift_place: str, temporal_pool: bool) -> None:
        if shift_place not in SHIFT_PLACES:
            raise ValueError(f"ResNetTSM: shift_place must be one of {SHIFT_PLACES}, not {shift_place!r}")
        if not isinstance(num_segments, int) or num_segments < 1:
            raise ValueError(f"ResNetTSM: num_segments must be a positive int, not {num_segments!r}")
        if not isinstance(shift_div, int) or shift_div < 1:
            raise ValueError(f"ResNetTSM: shift_div must be a positive int, not {shift_div!r}")
        if temporal_pool and num_segments % 2:
            raise ValueError(f"ResNetTSM: temporal_pool=True halves the frames, so num_segments must be even, "
                             f"not {num_segments}")

    def make_temporal_shift(self) -> None:
        """Wrap blocks ('block') or their first convolution ('blockres') in `TemporalShift`; after layer1 the
        clips have half the frames with `temporal_pool`."""
        n_round = 2 if len(self.stage_blocks) > 2 and self.stage_blocks[2] >= 23 else 1
        for stage, name in enumerate(self.res_layers):
            segments = self.num_segments // 2 if self.temporal_pool and stage > 0 else self.num_segments
            layer = getattr(self, name)
            for i, block in enumerate(layer):
                if self.shift_place == "block":
                    layer[i] = TemporalShift(block, segments, self.shift_div)
                elif i % n_round == 0:
                    block.conv1.conv = TemporalShift(block.conv1.conv, segments, self.shift_div)

    def make_non_local(self) -> None:
        """Wrap each block flagged in `non_local` in `NonLocalFrames` (over the frames the stage sees)."""
        flags = _per_block(self.non_local, self.stage_blocks, "non_local", "ResNetTSM")
        for stage, name in enumerate(self.res_layers):
            segments = self.num_segments // 2 if self.temporal_pool and stage > 0 else self.num_segments
            layer = getattr(self, name)
            for i, flag in enumerate(flags[stage]):
                if flag:
                    layer[i] = NonLocalFrames(layer[i], segments, self.non_local_cfg)

    def init_weights(self) -> None:
        """`ResNet.init_weights`, then each non-local block's own initialisation (MMAction2 adds them after)."""
        super().init_weights()
        for module in self.modules():
            if isinstance(module, NonLocal3d):
                module.init_weights()

    def convert_weights(self, state_dict: dict) -> OrderedDict:
        """A plain ResNet's weights (MMAction2, torchvision or earlier vidrun names) under this model's names:
        the classifier left out, each key matched to its shift-wrapped place, earlier names mapped."""
        classifier = [k for k in state_dict if k.startswith("fc.")]
        state_dict = OrderedDict((k, v) for k, v in state_dict.items() if k not in classifier)
        own = list(self.state_dict().keys())
        # Match `.net` wrappers against both today's names and the earlier ones, then map the earlier ones.
        state_dict = match_wrapped_keys(state_dict, own + list(legacy_key_map(own)),
                                        (n for n, _ in self.named_modules()))
        return rename_legacy_keys(state_dict, own)[0]
