"""`TSMOptimizerConstructor`: TSM's parameter groups, as MMAction2 0.x's `tsm_optimizer_constructor.py` makes them.

`optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4, constructor='TSMOptimizerConstructor',
paramwise_cfg=dict(fc_lr5=True))` gives the optimizer seven parameter groups, always in this order (lr and
wd are the optimizer's `lr` and `weight_decay`; modules are visited in `model.modules()` order):

| # | group | lr | weight decay | parameters |
| - | ----- | -- | ------------ | ---------- |
| 0 | first conv weight | lr | wd | the weight of the first convolution |
| 1 | first conv bias | 2·lr | 0 | its bias, if it has one |
| 2 | normal weights | lr | wd | every other conv and linear weight |
| 3 | normal biases | 2·lr | 0 | every other conv and linear bias |
| 4 | norm layers | lr | 0 | trainable weights and biases of BatchNorm, SyncBN, GroupNorm, LayerNorm, ... |
| 5 | last fc weight | 5·lr | wd | the last conv/linear layer (the classifier), with `fc_lr5=True` |
| 6 | last fc bias | 10·lr | 0 | its bias, with `fc_lr5=True` |

With `fc_lr5=False` the last fc layer's weight and bias join groups 2 and 3, and groups 5 and 6 are empty.
Biases get weight decay 0 as in MMAction2's code (its docstring's "10x weight decay multiplier" for the fc
layer is not what the code does: fc weight keeps wd, fc bias gets 0). Frozen norm parameters are left out, as in
MMAction2; frozen conv/linear parameters stay in their group (they get no gradient, so no update).
Differences from MMAction2, on purpose: the groups are made even without `paramwise_cfg` (MMAction2 then
silently falls back to one plain group); a trainable parameter that fits no group (a leaf module of another
type, or a parameter owned directly by a container) is an error naming it, where MMAction2 only catches the
first case; a parameter shared by two modules is listed once. Without a `weight_decay` in the optimizer config,
the decayed groups use the optimizer's default and the others 0.
"""
from __future__ import annotations

from torch import nn
from torch.nn.modules.conv import _ConvNd

from vidrun.config import ConfigError
from vidrun.runner import OPTIMIZER_BUILDERS, DefaultOptimizerConstructor
from vidrun.runner.optimizer.paramwise import NORM_LAYERS, where

GROUPS = ("first_conv_weight", "first_conv_bias", "normal_weight", "normal_bias", "bn", "lr5_weight",
          "lr10_bias")
LR_MULTS = dict(first_conv_bias=2, normal_bias=2, lr5_weight=5, lr10_bias=10)
NO_DECAY = ("first_conv_bias", "normal_bias", "bn", "lr10_bias")


@OPTIMIZER_BUILDERS.register_module()
class TSMOptimizerConstructor(DefaultOptimizerConstructor):
    """The seven parameter groups of TSM (see the module docstring). `paramwise_cfg` takes one key, `fc_lr5`
    (bool, default False): give the last fc layer 5× lr on its weight and 10× on its bias."""

    paramwise_keys = frozenset({"fc_lr5"})

    def __init__(self, optimizer_cfg: dict, paramwise_cfg: dict | None = None):
        super().__init__(optimizer_cfg, paramwise_cfg or dict(fc_lr5=False))
        problems = []
        if not isinstance(self.paramwise_cfg.get("fc_lr5", False), bool):
            problems.append(f"{where(self.paramwise_cfg, 'fc_lr5')}: must be True or False, "
                            f"not {self.paramwise_cfg['fc_lr5']!r}")
        if self.base_lr is None:
            problems.append(f"{where(self.optimizer_cfg)}: TSMOptimizerConstructor scales the lr per group; "
                            f"set lr=...")
        if problems:
            raise ConfigError(problems)

    def add_params(self, params: list[dict], module: nn.Module, prefix: str = "") -> None:
        """Append the seven groups of `module`'s parameters to `params`."""
        groups = self.group_parameters(module)
        for name in GROUPS:
            group = {"params": groups[name], "lr": self.base_lr * LR_MULTS.get(name, 1)}
            if name in NO_DECAY:
                group["weight_decay"] = 0
            elif self.base_wd is not None:
                group["weight_decay"] = self.base_wd
            params.append(group)

    def group_parameters(self, model: nn.Module) -> dict[str, list[nn.Parameter]]:
        """The parameters of each group, by group name (`GROUPS`)."""
        groups: dict[str, list[nn.Parameter]] = {name: [] for name in GROUPS}
        layers = [m for m in model.modules() if isinstance(m, (_ConvNd, nn.Linear))]
        first_conv = next((m for m in layers if isinstance(m, _ConvNd)), None)
        last_fc = next((m for m in reversed(layers) if m is not first_conv), None)
        if last_fc is None:
            raise ValueError("TSMOptimizerConstructor: the model has no conv or linear layer besides the first "
                             "conv, so there is no last fc layer to group")
        fc_lr5 = self.paramwise_cfg.get("fc_lr5", False)
        for m in layers:
            kind = "first_conv" if m is first_conv else "lr5" if m is last_fc and fc_lr5 else "normal"
            groups[f"{kind}_weight"].append(m.weight)
            if m.bias is not None:
                groups["lr10_bias" if kind == "lr5" else f"{kind}_bias"].append(m.bias)
        for m in model.modules():
            if isinstance(m, NORM_LAYERS):
                groups["bn"] += [p for p in m.parameters(recurse=False) if p.requires_grad]
        return self._deduplicated(model, groups)

    @staticmethod
    def _deduplicated(model: nn.Module, groups: dict[str, list[nn.Parameter]]) -> dict[str, list[nn.Parameter]]:
        """Each parameter once (in its first group); an error for trainable parameters in no group."""
        seen: set[int] = set()
        for name in GROUPS:
            unique = []
            for param in groups[name]:
                if id(param) not in seen:
                    seen.add(id(param))
                    unique.append(param)
            groups[name] = unique
        missed = [name for name, p in model.named_parameters() if p.requires_grad and id(p) not in seen]
        if missed:
            raise ValueError(f"TSMOptimizerConstructor: no group for the parameters {missed} (only conv, linear "
                             f"and norm layers are grouped); give them a learning policy in a constructor of "
                             f"your own")
        return groups
