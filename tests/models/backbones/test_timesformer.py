"""TimeSformer: one divided temporal and one divided spatial attention block against a restatement with explicit
query/key/value products, mmcv's DropPath and FFN, the three attention types end to end in Recognizer3D
(a training step and a multi-view test), and ViT weights renamed for divided attention."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vidrun.models import BACKBONES, build_model
from vidrun.models.layers import (FFN, DividedSpatialAttentionWithNorm, DividedTemporalAttentionWithNorm,
                                  DropPath)

SMALL = dict(type="TimeSformer", num_frames=2, img_size=32, patch_size=16, embed_dims=16, num_heads=2,
             num_transformer_layers=2)


def attention(block, x):
    """Multi-head self-attention over [S, L, C] written out from torch's packed in_proj weights, after the
    block's LayerNorm."""
    x = F.layer_norm(x, x.shape[-1:], block.norm.weight, block.norm.bias, block.norm.eps)
    q, k, v = F.linear(x, block.attn.in_proj_weight, block.attn.in_proj_bias).chunk(3, dim=-1)
    s, n, c = x.shape
    heads = block.num_heads
    q, k, v = (t.reshape(s, n, heads, c // heads).transpose(1, 2) for t in (q, k, v))
    weights = torch.softmax(q @ k.transpose(-1, -2) / (c // heads) ** 0.5, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(s, n, c)
    return F.linear(out, block.attn.out_proj.weight, block.attn.out_proj.bias)


def test_divided_temporal_attention_is_the_restated_computation():
    torch.manual_seed(0)
    block = DividedTemporalAttentionWithNorm(8, 2, num_frames=3, dropout_layer=None).eval()
    torch.nn.init.normal_(block.temporal_fc.weight, std=0.3)  # zero at init: make it count
    b, p, t = 2, 4, 3
    query = torch.randn(b, 1 + p * t, 8)
    patches = query[:, 1:].reshape(b, p, t, 8)  # (p t): the frame index runs fastest
    expected = patches + block.temporal_fc(attention(block, patches.reshape(b * p, t, 8))).reshape(b, p, t, 8)
    with torch.no_grad():
        out = block(query)
    torch.testing.assert_close(out[:, 0], query[:, 0])  # the class token passes
    torch.testing.assert_close(out[:, 1:], expected.reshape(b, p * t, 8).detach(), rtol=1e-5, atol=1e-6)


def test_divided_spatial_attention_is_the_restated_computation():
    torch.manual_seed(1)
    block = DividedSpatialAttentionWithNorm(8, 2, num_frames=3, dropout_layer=None).eval()
    b, p, t = 2, 4, 3
    query = torch.randn(b, 1 + p * t, 8)
    frames = query[:, 1:].reshape(b, p, t, 8).permute(0, 2, 1, 3)  # [b, t, p, C]
    with torch.no_grad():
        out = block(query)
        for i in range(b):
            res_cls = []
            for j in range(t):  # frame j of video i: its patches with the class token
                tokens = torch.cat([query[i, :1], frames[i, j]]).unsqueeze(0)
                res = attention(block, tokens)[0]
                res_cls.append(res[0])
                torch.testing.assert_close(out[i, 1:].reshape(p, t, 8)[:, j], frames[i, j] + res[1:],
                                           rtol=1e-5, atol=1e-6)
            torch.testing.assert_close(out[i, 0], query[i, 0] + torch.stack(res_cls).mean(0), rtol=1e-5, atol=1e-6)


def test_drop_path_and_ffn_as_mmcv():
    x = torch.randn(6, 3, 4)
    drop = DropPath(0.25).train()
    torch.manual_seed(3)
    out = drop(x)
    torch.manual_seed(3)
    mask = (0.75 + torch.rand(6, 1, 1)).floor()
    torch.testing.assert_close(out, x / 0.75 * mask)
    assert torch.equal(drop.eval()(x), x)
    ffn = FFN(4, 8, act_cfg=dict(type="GELU")).eval()
    assert [k for k in ffn.state_dict()] == ["layers.0.0.weight", "layers.0.0.bias", "layers.1.weight",
                                              "layers.1.bias"]
    expected = x + ffn.layers[1](F.gelu(ffn.layers[0][0](x)))
    torch.testing.assert_close(ffn(x), expected)


@pytest.mark.parametrize("attention_type", ["divided_space_time", "joint_space_time", "space_only"])
def test_every_attention_type_trains_and_tests_in_recognizer3d(attention_type):
    torch.manual_seed(0)
    model = build_model(dict(type="Recognizer3D", backbone=dict(SMALL, attention_type=attention_type),
                             cls_head=dict(type="TimeSformerHead", num_classes=3, in_channels=16)))
    out = model.train_step(dict(imgs=torch.randn(2, 1, 3, 2, 32, 32), label=torch.tensor([[0], [2]])))
    out["loss"].backward()
    assert model.backbone.cls_token.grad is not None and np.isfinite(out["log_vars"]["loss"])
    model.eval()
    imgs = torch.randn(1, 3, 3, 2, 32, 32)  # three views (e.g. ThreeCrop)
    scores = model(imgs, return_loss=False)
    with torch.no_grad():
        per_view = model.cls_head(model.backbone(imgs[0])).softmax(1).mean(0)
    assert scores.shape == (1, 3)
    np.testing.assert_allclose(scores[0], per_view.numpy(), atol=1e-6)


def test_space_only_averages_the_frames_class_tokens():
    torch.manual_seed(0)
    model = BACKBONES.build(dict(SMALL, attention_type="space_only")).eval()
    clip = torch.randn(1, 3, 2, 32, 32)
    with torch.no_grad():
        tokens = model.patch_embed(clip)
        tokens = torch.cat([model.cls_token.expand(2, -1, -1), tokens], 1) + model.pos_embed
        expected = model.norm(model.transformer_layers(tokens).mean(0, keepdim=True))[:, 0]
        torch.testing.assert_close(model(clip), expected)


def test_vit_weights_are_renamed_for_divided_attention(tmp_path):
    torch.manual_seed(0)
    vit = BACKBONES.build(dict(SMALL, attention_type="joint_space_time"))  # ViT-like keys: norms.0, norms.1
    state = {k: v for k, v in vit.state_dict().items() if k != "time_embed"}
    torch.save({"state_dict": state}, tmp_path / "vit.pth")
    model = BACKBONES.build(dict(SMALL, pretrained=str(tmp_path / "vit.pth")))
    model.init_weights()
    own = model.state_dict()
    layer = "transformer_layers.layers.1."
    for i in (0, 1):
        assert torch.equal(own[f"{layer}attentions.{i}.attn.in_proj_weight"],
                           state[f"{layer}attentions.0.attn.in_proj_weight"])
        assert torch.equal(own[f"{layer}attentions.{i}.norm.weight"], state[f"{layer}norms.0.weight"])
    assert torch.equal(own[f"{layer}ffns.0.norm.bias"], state[f"{layer}norms.1.bias"])
    with pytest.raises(ValueError, match="names a download"):
        BACKBONES.build(dict(SMALL, pretrained="https://x/vit.pth")).init_weights()
