"""mmcv 1.x's transformer bricks, with mmcv's module names (they are state-dict keys): `MultiheadAttention`
(`attn`: torch's `nn.MultiheadAttention`, so `attn.in_proj_weight`, `attn.out_proj.*`), `FFN` (`layers.0.0`,
`layers.1`: Linear → act → Dropout → Linear → Dropout), `BaseTransformerLayer` (`attentions`, `ffns`, `norms`
run in `operation_order`) and `TransformerLayerSequence` (`layers`), plus `DropPath`.

They are built from config dicts by type name, as mmcv does, through the small registries below
(`ATTENTION`, `FEEDFORWARD_NETWORK`, `TRANSFORMER_LAYER`, `TRANSFORMER_LAYER_SEQUENCE`). Only self-attention
('self_attn', 'norm', 'ffn' in `operation_order`) is supported; 'cross_attn' (detection decoders) is refused.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from vidrun.models.layers.builders import build_activation_layer, build_norm_layer
from vidrun.registry import Registry, build_from_cfg

ATTENTION = Registry("ATTENTION")
FEEDFORWARD_NETWORK = Registry("FEEDFORWARD_NETWORK")
TRANSFORMER_LAYER = Registry("TRANSFORMER_LAYER")
TRANSFORMER_LAYER_SEQUENCE = Registry("TRANSFORMER_LAYER_SEQUENCE")


class DropPath(nn.Module):
    """Stochastic depth, as mmcv's: in training, each sample's residual branch is zeroed with probability
    `drop_prob` and the kept ones scaled by 1 / (1 - drop_prob) (one `torch.rand` draw of [N, 1, ...])."""

    def __init__(self, drop_prob: float = 0.1):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.drop_prob == 0.0 or not self.training:
            return x
        keep = 1 - self.drop_prob
        mask = (keep + torch.rand((x.shape[0],) + (1,) * (x.dim() - 1), dtype=x.dtype, device=x.device)).floor()
        return x.div(keep) * mask


def build_dropout(cfg: dict | None) -> nn.Module:
    """mmcv's `build_dropout`: `dict(type='DropPath', drop_prob=p)` or `dict(type='Dropout', drop_prob=p)`;
    None (or an empty dict) is the identity."""
    if not cfg:
        return nn.Identity()
    cfg = dict(cfg)
    kind = cfg.pop("type")
    prob = cfg.pop("drop_prob", 0.1 if kind == "DropPath" else 0.5)  # mmcv's defaults
    if cfg:
        raise ValueError(f"dropout_layer: unknown keys {sorted(cfg)} (it takes type and drop_prob)")
    if kind == "DropPath":
        return DropPath(float(prob))
    if kind == "Dropout":
        return nn.Dropout(float(prob))
    raise ValueError(f"dropout_layer: type must be 'DropPath' or 'Dropout', got {kind!r}")


@ATTENTION.register_module()
class MultiheadAttention(nn.Module):
    """`identity + dropout_layer(proj_drop(attention(query, key, value)))`; key defaults to query, value to
    key, identity to query. `batch_first=True` takes [N, L, C] (torch's attention runs on [L, N, C])."""

    def __init__(self, embed_dims: int, num_heads: int, attn_drop: float = 0.0, proj_drop: float = 0.0,
                 dropout_layer: dict | None = dict(type="Dropout", drop_prob=0.0), init_cfg: dict | None = None,
                 batch_first: bool = False, **kwargs):
        super().__init__()
        self.embed_dims, self.num_heads, self.batch_first = embed_dims, num_heads, batch_first
        self.attn = nn.MultiheadAttention(embed_dims, num_heads, attn_drop, **kwargs)
        self.proj_drop = nn.Dropout(proj_drop)
        self.dropout_layer = build_dropout(dropout_layer)

    def forward(self, query: torch.Tensor, key: torch.Tensor | None = None, value: torch.Tensor | None = None,
                identity: torch.Tensor | None = None, query_pos: torch.Tensor | None = None,
                key_pos: torch.Tensor | None = None, attn_mask: torch.Tensor | None = None,
                key_padding_mask: torch.Tensor | None = None, **kwargs) -> torch.Tensor:
        key = query if key is None else key
        value = key if value is None else value
        identity = query if identity is None else identity
        if key_pos is None and query_pos is not None and query_pos.shape == key.shape:
            key_pos = query_pos
        query = query if query_pos is None else query + query_pos
        key = key if key_pos is None else key + key_pos
        if self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        out = self.attn(query=query, key=key, value=value, attn_mask=attn_mask,
                        key_padding_mask=key_padding_mask)[0]
        if self.batch_first:
            out = out.transpose(0, 1)
        return identity + self.dropout_layer(self.proj_drop(out))


@FEEDFORWARD_NETWORK.register_module()
class FFN(nn.Module):
    """`identity + dropout_layer(layers(x))` (just `dropout_layer(layers(x))` with `add_identity=False`), where
    `layers` is (Linear → act → Dropout) × (num_fcs − 1), then Linear back to `embed_dims` → Dropout."""

    def __init__(self, embed_dims: int = 256, feedforward_channels: int = 1024, num_fcs: int = 2,
                 act_cfg: dict | None = dict(type="ReLU", inplace=True), ffn_drop: float = 0.0,
                 dropout_layer: dict | None = None, add_identity: bool = True, init_cfg: dict | None = None,
                 **kwargs):
        super().__init__()
        if num_fcs < 2:
            raise ValueError(f"FFN: num_fcs must be at least 2, got {num_fcs}")
        self.add_identity = kwargs.pop("add_residual", add_identity)  # mmcv's older name
        if kwargs:
            raise TypeError(f"FFN got unexpected arguments {sorted(kwargs)}")
        self.embed_dims, self.feedforward_channels, self.num_fcs = embed_dims, feedforward_channels, num_fcs
        layers, channels = [], embed_dims
        for _ in range(num_fcs - 1):
            layers.append(nn.Sequential(nn.Linear(channels, feedforward_channels), build_activation_layer(act_cfg),
                                        nn.Dropout(ffn_drop)))
            channels = feedforward_channels
        layers += [nn.Linear(feedforward_channels, embed_dims), nn.Dropout(ffn_drop)]
        self.layers = nn.Sequential(*layers)
        self.dropout_layer = build_dropout(dropout_layer)

    def forward(self, x: torch.Tensor, identity: torch.Tensor | None = None) -> torch.Tensor:
        out = self.dropout_layer(self.layers(x))
        if not self.add_identity:
            return out
        return (x if identity is None else identity) + out


_DEFAULT_FFN = dict(type="FFN", embed_dims=256, feedforward_channels=1024, num_fcs=2, ffn_drop=0.0,
                    act_cfg=dict(type="ReLU", inplace=True))
# mmcv's deprecated layer arguments, moved into every ffn config.
_FFN_ALIASES = dict(feedforward_channels="feedforward_channels", ffn_dropout="ffn_drop", ffn_num_fcs="num_fcs")


@TRANSFORMER_LAYER.register_module()
class BaseTransformerLayer(nn.Module):
    """Runs `operation_order` ('self_attn', 'norm', 'ffn') over its `attentions`, `norms` and `ffns`, each in
    turn. When the order starts with 'norm' (pre-norm), each attention and ffn adds the input of the norm before
    it (the identity); otherwise each adds its own input. `attn_cfgs` is one config or one per attention;
    `ffn_cfgs` likewise; a ffn config without `embed_dims` takes the attentions'."""

    def __init__(self, attn_cfgs: dict | list | None = None, ffn_cfgs: dict | list | None = _DEFAULT_FFN,
                 operation_order: tuple | None = None, norm_cfg: dict | None = dict(type="LN"),
                 init_cfg: dict | None = None, batch_first: bool = False, **kwargs):
        super().__init__()
        ffn_cfgs = _with_aliases(ffn_cfgs, kwargs)
        order = tuple(operation_order or ())
        if not order or not set(order) <= {"self_attn", "norm", "ffn"}:
            raise ValueError(f"BaseTransformerLayer: operation_order must list 'self_attn', 'norm' and 'ffn' "
                             f"(cross attention is not supported), got {operation_order!r}")
        self.operation_order, self.batch_first, self.pre_norm = order, batch_first, order[0] == "norm"
        self.num_attn = order.count("self_attn")
        attn_cfgs = _per_use(attn_cfgs, self.num_attn, "attn_cfgs")
        self.attentions = nn.ModuleList()
        for cfg in attn_cfgs:
            if cfg.get("batch_first", batch_first) != batch_first:
                raise ValueError("BaseTransformerLayer: an attention's batch_first differs from the layer's")
            self.attentions.append(build_from_cfg({**cfg, "batch_first": batch_first}, ATTENTION))
        self.embed_dims = self.attentions[0].embed_dims
        self.ffns = nn.ModuleList()
        for cfg in _per_use(ffn_cfgs, order.count("ffn"), "ffn_cfgs"):
            if cfg.setdefault("embed_dims", self.embed_dims) != self.embed_dims:
                raise ValueError(f"BaseTransformerLayer: ffn embed_dims {cfg['embed_dims']} differs from the "
                                 f"attentions' {self.embed_dims}")
            self.ffns.append(build_from_cfg(cfg, FEEDFORWARD_NETWORK, dict(type="FFN")))
        self.norms = nn.ModuleList(build_norm_layer(norm_cfg, self.embed_dims) for _ in range(order.count("norm")))

    def forward(self, query: torch.Tensor, key: torch.Tensor | None = None, value: torch.Tensor | None = None,
                query_pos: torch.Tensor | None = None, key_pos: torch.Tensor | None = None,
                attn_masks: list | None = None, query_key_padding_mask: torch.Tensor | None = None,
                key_padding_mask: torch.Tensor | None = None, **kwargs) -> torch.Tensor:
        attentions, norms, ffns = iter(self.attentions), iter(self.norms), iter(self.ffns)
        masks = iter(attn_masks if isinstance(attn_masks, (list, tuple)) else [attn_masks] * self.num_attn)
        identity = query
        for operation in self.operation_order:
            if operation == "self_attn":
                query = next(attentions)(query, query, query, identity if self.pre_norm else None,
                                         query_pos=query_pos, key_pos=query_pos, attn_mask=next(masks),
                                         key_padding_mask=query_key_padding_mask, **kwargs)
                identity = query
            elif operation == "norm":
                query = next(norms)(query)
            else:
                query = next(ffns)(query, identity if self.pre_norm else None)
        return query


def _per_use(cfgs: dict | list | None, count: int, name: str) -> list[dict]:
    if isinstance(cfgs, dict):
        return [copy.deepcopy(dict(cfgs)) for _ in range(count)]
    if not isinstance(cfgs, (list, tuple)) or len(cfgs) != count:
        raise ValueError(f"BaseTransformerLayer: {name} must be one config or {count} (one per use), got {cfgs!r}")
    return [copy.deepcopy(dict(cfg)) for cfg in cfgs]


def _with_aliases(ffn_cfgs, kwargs: dict):
    moved = {new: kwargs.pop(old) for old, new in _FFN_ALIASES.items() if old in kwargs}
    if kwargs:
        raise TypeError(f"BaseTransformerLayer got unexpected arguments {sorted(kwargs)}")
    if moved and isinstance(ffn_cfgs, dict):
        return {**ffn_cfgs, **moved}
    return ffn_cfgs


@TRANSFORMER_LAYER_SEQUENCE.register_module()
class TransformerLayerSequence(nn.Module):
    """`num_layers` transformer layers (`layers`) applied in turn; `transformerlayers` is one config (repeated)
    or one per layer."""

    def __init__(self, transformerlayers: dict | list | None = None, num_layers: int | None = None,
                 init_cfg: dict | None = None):
        super().__init__()
        if isinstance(transformerlayers, dict):
            transformerlayers = [copy.deepcopy(dict(transformerlayers)) for _ in range(num_layers)]
        if not isinstance(transformerlayers, (list, tuple)) or len(transformerlayers) != num_layers:
            raise ValueError(f"TransformerLayerSequence: transformerlayers must be one config or num_layers="
                             f"{num_layers} of them")
        self.num_layers = num_layers
        self.layers = nn.ModuleList(build_from_cfg(dict(cfg), TRANSFORMER_LAYER) for cfg in transformerlayers)
        self.embed_dims, self.pre_norm = self.layers[0].embed_dims, self.layers[0].pre_norm

    def forward(self, query: torch.Tensor, key: torch.Tensor | None = None, value: torch.Tensor | None = None,
                **kwargs) -> torch.Tensor:
        for layer in self.layers:
            query = layer(query, key, value, **kwargs)
        return query
