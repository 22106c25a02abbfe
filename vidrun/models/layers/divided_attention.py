"""MMAction2's divided space-time attention (TimeSformer): `DividedTemporalAttentionWithNorm`,
`DividedSpatialAttentionWithNorm` and `FFNWithNorm`, pre-norm blocks that add their own shortcut, registered in
the transformer registries so a `BaseTransformerLayer` config builds them by name.

Tokens are [B, 1 + P·T, C]: a class token, then the patches of every frame with the frame index running fastest
(patch-major, `(p t)`). Sub-module names (`norm`, `attn`, `temporal_fc`) are MMAction2's state-dict keys.
"""
from __future__ import annotations

import torch
from torch import nn

from vidrun.models.layers.builders import build_norm_layer
from vidrun.models.layers.transformer import ATTENTION, FEEDFORWARD_NETWORK, FFN, build_dropout

_DROP_PATH = dict(type="DropPath", drop_prob=0.1)


class _NormAttention(nn.Module):
    """`norm` (LN), torch's `nn.MultiheadAttention` as `attn` (sequence-first), `proj_drop`, `dropout_layer`."""

    def __init__(self, embed_dims: int, num_heads: int, num_frames: int, attn_drop: float = 0.0,
                 proj_drop: float = 0.0, dropout_layer: dict | None = _DROP_PATH, norm_cfg: dict | None = None,
                 init_cfg: dict | None = None, **kwargs):
        super().__init__()
        self.embed_dims, self.num_heads, self.num_frames = embed_dims, num_heads, num_frames
        self.norm = build_norm_layer(norm_cfg or dict(type="LN"), embed_dims)
        self.attn = nn.MultiheadAttention(embed_dims, num_heads, attn_drop, **kwargs)
        self.proj_drop = nn.Dropout(proj_drop)
        self.dropout_layer = build_dropout(dropout_layer)

    def attend(self, tokens: torch.Tensor) -> torch.Tensor:
        """[S, L, C] → [S, L, C]: self-attention within each of S sequences, after the norm, with the drops."""
        x = self.norm(tokens).transpose(0, 1)
        out = self.attn(x, x, x)[0].transpose(0, 1)
        return self.dropout_layer(self.proj_drop(out.contiguous()))

    def _split(self, query: torch.Tensor, residual) -> tuple[torch.Tensor, torch.Tensor, int, int]:
        if residual is not None:
            raise ValueError(f"{type(self).__name__} adds its own shortcut: residual must be None")
        patches = query[:, 1:, :]
        return query[:, :1, :], patches, patches.shape[1] // self.num_frames, self.num_frames


@ATTENTION.register_module()
class DividedTemporalAttentionWithNorm(_NormAttention):
    """Each patch position attends over the T frames; the result goes through `temporal_fc` (zero-initialised,
    so the block starts as the identity) and is added to the patch tokens. The class token passes unchanged."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.temporal_fc = nn.Linear(self.embed_dims, self.embed_dims)
        nn.init.constant_(self.temporal_fc.weight, 0)
        nn.init.constant_(self.temporal_fc.bias, 0)

    def forward(self, query: torch.Tensor, key=None, value=None, residual=None, **kwargs) -> torch.Tensor:
        cls_token, patches, p, t = self._split(query, residual)
        b, _, m = patches.shape
        res = self.temporal_fc(self.attend(patches.reshape(b * p, t, m)))
        return torch.cat((cls_token, patches + res.reshape(b, p * t, m)), 1)


@ATTENTION.register_module()
class DividedSpatialAttentionWithNorm(_NormAttention):
    """Each frame's patches attend among themselves and with a copy of the class token; the T outputs of the
    class token are averaged. Everything is added to the input (the shortcut)."""

    def forward(self, query: torch.Tensor, key=None, value=None, residual=None, **kwargs) -> torch.Tensor:
        cls_token, patches, p, t = self._split(query, residual)
        b, _, m = patches.shape
        per_frame = patches.reshape(b, p, t, m).transpose(1, 2).reshape(b * t, p, m)
        res = self.attend(torch.cat((cls_token.repeat(1, t, 1).reshape(b * t, 1, m), per_frame), 1))
        res_cls = res[:, 0, :].reshape(b, t, m).mean(1, keepdim=True)
        res_patches = res[:, 1:, :].reshape(b, t, p, m).transpose(1, 2).reshape(b, p * t, m)
        return query + torch.cat((res_cls, res_patches), 1)


@FEEDFORWARD_NETWORK.register_module()
class FFNWithNorm(FFN):
    """`FFN` on the normalised input (`norm`), its shortcut from the input before the norm."""

    def __init__(self, *args, norm_cfg: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.norm = build_norm_layer(norm_cfg or dict(type="LN"), self.embed_dims)

    def forward(self, x: torch.Tensor, residual: torch.Tensor | None = None) -> torch.Tensor:
        if residual is not None:
            raise ValueError("FFNWithNorm adds its own shortcut: residual must be None")
        return super().forward(self.norm(x), x)
