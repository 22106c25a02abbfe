"""`TimeSformer` (Bertasius et al., 2021), as MMAction2 0.24 builds it: a ViT over the frames' 16×16 patches with
divided space-time attention ('divided_space_time': per layer, attention over time, then over space, then an
FFN), joint attention over all patches of all frames ('joint_space_time') or per-frame attention with the frames
averaged at the end ('space_only'). Input [N, C, T, H, W]; output the class token after the final norm, [N, C'].

Parameter and module names are MMAction2's (mmcv's transformer bricks): `cls_token`, `pos_embed`, `time_embed`,
`patch_embed.projection`, `transformer_layers.layers.<i>.{attentions,ffns,norms}`, `norm`.
"""
from __future__ import annotations

import logging

import numpy as np
import torch
from torch import nn

from vidrun.models.layers import divided_attention  # noqa: F401 - registers the divided-attention blocks
from vidrun.models.layers.builders import build_norm_layer
from vidrun.models.layers.transformer import TRANSFORMER_LAYER_SEQUENCE
from vidrun.models.pretrained import read_weights
from vidrun.models.registries import BACKBONES
from vidrun.registry import build_from_cfg
from vidrun.runner.checkpoint import load_state_dict

_log = logging.getLogger("vidrun")
ATTENTION_TYPES = ("divided_space_time", "space_only", "joint_space_time")


class PatchEmbed(nn.Module):
    """Each frame's non-overlapping `patch_size` patches projected to `embed_dims` by a strided conv
    (`projection`, Kaiming fan-in init): [N, C, T, H, W] → [N·T, patches, embed_dims]."""

    def __init__(self, img_size, patch_size, in_channels: int = 3, embed_dims: int = 768):
        super().__init__()
        self.img_size = _pair(img_size)
        self.patch_size = _pair(patch_size)
        if any(size % patch for size, patch in zip(self.img_size, self.patch_size)):
            raise ValueError(f"TimeSformer: img_size {self.img_size} must be divisible by patch_size "
                             f"{self.patch_size}")
        self.num_patches = (self.img_size[0] // self.patch_size[0]) * (self.img_size[1] // self.patch_size[1])
        self.projection = nn.Conv2d(in_channels, embed_dims, kernel_size=patch_size, stride=patch_size)
        nn.init.kaiming_normal_(self.projection.weight, mode="fan_in", nonlinearity="linear")
        nn.init.constant_(self.projection.bias, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        frames = x.transpose(1, 2).flatten(0, 1)  # [N, C, T, H, W] -> [N·T, C, H, W]
        return self.projection(frames).flatten(2).transpose(1, 2)


def _pair(value) -> tuple[int, int]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def default_layers(attention_type: str, embed_dims: int, num_heads: int, num_frames: int, num_layers: int) -> dict:
    """MMAction2's layer configs: drop-path rates rising linearly from 0 to 0.1 over the layers; divided
    attention as two self-attentions with their own norms, else pre-norm layers of mmcv's attention and FFN."""
    rates = np.linspace(0, 0.1, num_layers)
    ln = dict(type="LN", eps=1e-6)
    layers = []
    for rate in rates:
        drop = dict(type="DropPath", drop_prob=rate)
        ffn = dict(embed_dims=embed_dims, feedforward_channels=embed_dims * 4, num_fcs=2, act_cfg=dict(type="GELU"),
                   dropout_layer=drop)
        if attention_type == "divided_space_time":
            attn = dict(embed_dims=embed_dims, num_heads=num_heads, num_frames=num_frames, dropout_layer=drop,
                        norm_cfg=ln)
            layers.append(dict(
                type="BaseTransformerLayer",
                attn_cfgs=[dict(type="DividedTemporalAttentionWithNorm", **attn),
                           dict(type="DividedSpatialAttentionWithNorm", **attn)],
                ffn_cfgs=dict(type="FFNWithNorm", norm_cfg=ln, **ffn),
                operation_order=("self_attn", "self_attn", "ffn")))
        else:
            layers.append(dict(
                type="BaseTransformerLayer",
                attn_cfgs=[dict(type="MultiheadAttention", embed_dims=embed_dims, num_heads=num_heads,
                                batch_first=True, dropout_layer=drop)],
                ffn_cfgs=dict(type="FFN", **ffn), operation_order=("norm", "self_attn", "norm", "ffn"),
                norm_cfg=ln, batch_first=True))
    return dict(type="TransformerLayerSequence", transformerlayers=layers, num_layers=num_layers)


@BACKBONES.register_module()
class TimeSformer(nn.Module):
    """`TimeSformer(num_frames, img_size, patch_size, ...)`, MMAction2's arguments and defaults (ViT-Base:
    768 dims, 12 heads, 12 layers, LN eps 1e-6). `transformer_layers` (a `TransformerLayerSequence` config, or
    its list of layer configs) replaces the default layers. `pretrained` is a local file (ImageNet ViT weights
    with divided attention: their `norms.0` / `norms.1` become `attentions.0.norm` / `ffns.0.norm` and the
    temporal attention starts as a copy of the spatial one, as MMAction2 does), loaded not strictly."""

    def __init__(self, num_frames: int, img_size, patch_size, pretrained: str | None = None, embed_dims: int = 768,
                 num_heads: int = 12, num_transformer_layers: int = 12, in_channels: int = 3,
                 dropout_ratio: float = 0.0, transformer_layers: dict | list | None = None,
                 attention_type: str = "divided_space_time", norm_cfg: dict | None = dict(type="LN", eps=1e-6)):
        super().__init__()
        if attention_type not in ATTENTION_TYPES:
            raise ValueError(f"TimeSformer: attention_type must be one of {ATTENTION_TYPES}, got {attention_type!r}")
        self.num_frames, self.pretrained, self.embed_dims = num_frames, pretrained, embed_dims
        self.num_transformer_layers, self.attention_type = num_transformer_layers, attention_type
        self.patch_embed = PatchEmbed(img_size, patch_size, in_channels, embed_dims)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.patch_embed.num_patches + 1, embed_dims))
        self.drop_after_pos = nn.Dropout(p=dropout_ratio)
        if attention_type != "space_only":
            self.time_embed = nn.Parameter(torch.zeros(1, num_frames, embed_dims))
            self.drop_after_time = nn.Dropout(p=dropout_ratio)
        self.norm = build_norm_layer(norm_cfg, embed_dims)
        if transformer_layers is None:
            transformer_layers = default_layers(attention_type, embed_dims, num_heads, num_frames,
                                                num_transformer_layers)
        elif isinstance(transformer_layers, (list, tuple)):
            transformer_layers = dict(type="TransformerLayerSequence", transformerlayers=list(transformer_layers),
                                      num_layers=len(transformer_layers))
        self.transformer_layers = build_from_cfg(transformer_layers, TRANSFORMER_LAYER_SEQUENCE)

    def init_weights(self) -> None:
        """Truncated normals (std 0.02, cut at ±2) for the position embedding and class token, then the
        `pretrained` weights if given."""
        nn.init.trunc_normal_(self.pos_embed, std=0.02, a=-2, b=2)
        nn.init.trunc_normal_(self.cls_token, std=0.02, a=-2, b=2)
        if self.pretrained is None:
            return
        if not isinstance(self.pretrained, str):
            raise TypeError(f"TimeSformer: pretrained must be a str (a local file) or None, not "
                            f"{type(self.pretrained).__name__}")
        state_dict = read_weights(self.pretrained, "TimeSformer.pretrained")
        if self.attention_type == "divided_space_time":
            state_dict = divided_from_vit(state_dict)
        _log.info("TimeSformer: loading weights from %s", self.pretrained)
        load_state_dict(self, state_dict, strict=False, logger=_log, source=self.pretrained)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batches = x.shape[0]
        x = self.patch_embed(x)  # [N·T, P, C]
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1) + self.pos_embed
        x = self.drop_after_pos(x)
        if self.attention_type != "space_only":
            cls_tokens = x[:batches, 0:1, :]
            frames, patches, dims = x.shape[0] // batches, x.shape[1] - 1, x.shape[2]
            # (N·T, P) -> (N·P, T): add the frame embedding, then lay the tokens out patch-major, (p t)
            x = x[:, 1:, :].reshape(batches, frames, patches, dims).transpose(1, 2).reshape(-1, frames, dims)
            x = self.drop_after_time(x + self.time_embed)
            x = torch.cat((cls_tokens, x.reshape(batches, patches * frames, dims)), dim=1)
        x = self.transformer_layers(x, None, None)
        if self.attention_type == "space_only":
            x = x.view(-1, self.num_frames, *x.shape[-2:]).mean(1)
        return self.norm(x)[:, 0]


def divided_from_vit(state_dict: dict) -> dict:
    """MMAction2's renaming of ViT weights for divided attention: `norms.0` → `attentions.0.norm`, `norms.1` →
    `ffns.0.norm`, then every `attentions.0` entry copied to `attentions.1`."""
    renamed = {}
    for key, value in state_dict.items():
        if "norms" in key:
            key = key.replace("norms.0", "attentions.0.norm").replace("norms.1", "ffns.0.norm")
        renamed[key] = value
    for key in [k for k in renamed if "attentions.0" in k]:
        renamed[key.replace("attentions.0", "attentions.1")] = renamed[key].clone()
    return renamed
