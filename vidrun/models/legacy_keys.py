"""State-dict key names of earlier vidrun ResNets, and the map onto today's (MMAction2's) names.

Up to this version vidrun's ResNet, ResNetTSM, ResNet3d and ResNet3dSlowOnly named their layers as torchvision
does; they now carry MMAction2's ConvModule names, so MMAction2's model-zoo checkpoints load as they are. A
checkpoint saved by an earlier vidrun still loads: each of those backbones renames, when loading, the keys that
follow the earlier layout. The map, on a key's part below the backbone:

| earlier vidrun (and torchvision)  | today (MMAction2)                  |
| --------------------------------- | ---------------------------------- |
| `conv1.weight`                    | `conv1.conv.weight`                |
| `bn1.*`                           | `conv1.bn.*`                       |
| `layerK.i.convJ.weight`           | `layerK.i.convJ.conv.weight`       |
| `layerK.i.convJ.net.weight` (TSM) | `layerK.i.convJ.conv.net.weight`   |
| `layerK.i.bnJ.*`                  | `layerK.i.convJ.bn.*`              |
| `layerK.i.downsample.0.weight`    | `layerK.i.downsample.conv.weight`  |
| `layerK.i.downsample.1.*`         | `layerK.i.downsample.bn.*`         |

(A norm other than batch norm is `gn` / `ln` / `in` today, `bnJ` / `downsample.1` before.) The map is computed
from the model's own keys (`legacy_key_map`), so it is exact and one-to-one for each model; torchvision's
ImageNet weights use the same earlier names and load through it as well.
"""
from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Iterable

from torch import nn

_NORMS = r"(?:bn|gn|ln|in)"
# Today's name → the earlier one; each rule rewrites one ConvModule level (`(?=\.)`: a whole name part).
LEGACY_RULES = (
    (re.compile(r"(^|\.)conv(\d+)\.conv(?=\.)"), r"\1conv\2"),
    (re.compile(rf"(^|\.)conv(\d+)\.{_NORMS}(?=\.)"), r"\1bn\2"),
    (re.compile(r"(^|\.)downsample\.conv(?=\.)"), r"\1downsample.0"),
    (re.compile(rf"(^|\.)downsample\.{_NORMS}(?=\.)"), r"\1downsample.1"),
)
_log = logging.getLogger("vidrun")


def legacy_name(key: str) -> str:
    """The name an earlier vidrun gave today's `key` (`layer1.0.conv2.bn.weight` → `layer1.0.bn2.weight`);
    keys with no ConvModule level are returned unchanged."""
    for pattern, replacement in LEGACY_RULES:
        key = pattern.sub(replacement, key)
    return key


def legacy_key_map(keys: Iterable[str]) -> dict[str, str]:
    """`{earlier name: today's name}` for the keys whose name changed. A ValueError if two keys would share an
    earlier name or an earlier name is itself one of `keys` (the map must be one-to-one to be safe)."""
    keys = list(keys)
    own, mapping = set(keys), {}
    for key in keys:
        old = legacy_name(key)
        if old == key:
            continue
        if old in mapping or old in own:
            raise ValueError(f"legacy key map: {old!r} would stand for both {key!r} and "
                             f"{mapping.get(old, old)!r}")
        mapping[old] = key
    return mapping


def rename_legacy_keys(state_dict: dict, keys: Iterable[str]) -> tuple[OrderedDict, int]:
    """`state_dict` with every key that is the earlier name of one of `keys` (and not itself one of them)
    renamed to today's, and how many were renamed. Both names of one tensor in `state_dict` is a ValueError."""
    keys = list(keys)
    own, mapping = set(keys), legacy_key_map(keys)
    out: OrderedDict = OrderedDict()
    renamed = 0
    for key, value in state_dict.items():
        new = mapping.get(key, key) if key not in own else key
        if new in out or (new != key and new in state_dict):
            raise ValueError(f"the weights hold both {key!r} (an earlier vidrun name) and {new!r}")
        renamed += new != key
        out[new] = value
    return out, renamed


def _rename_on_load(module: nn.Module, state_dict: dict, prefix: str, *_) -> None:
    """A load_state_dict pre-hook: the keys under `prefix` that follow the earlier layout, renamed in place."""
    own = [prefix + key for key in module.state_dict()]
    mine = {k: v for k, v in state_dict.items() if k.startswith(prefix)}
    renamed, count = rename_legacy_keys(mine, own)
    if not count:
        return
    for key in mine:
        del state_dict[key]
    state_dict.update(renamed)
    _log.info("%s: the weights use vidrun's earlier key names (e.g. %sbn1.weight); %d keys renamed to today's "
              "MMAction2 names (see docs/models.md)", type(module).__name__, prefix, count)


def accept_legacy_keys(module: nn.Module) -> None:
    """Make `module.load_state_dict` (and every loader that uses it: `load_checkpoint`, `load_from`,
    `resume_from`, `vidrun test`) accept the earlier vidrun names under `module`, strict loading included."""
    module.register_load_state_dict_pre_hook(_rename_on_load)
