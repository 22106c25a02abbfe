"""NonLocal3d (mmcv's, used by MMAction2's I3D-NL / SlowOnly-NL / TSM-NL) against a NumPy restatement of the
non-local operation, its initialisation, and the blocks and backbones that carry it."""
import numpy as np
import pytest
import torch

from vidrun.models import BACKBONES
from vidrun.models.layers import BasicBlock
from vidrun.models.layers.non_local import NonLocal3d, NonLocalFrames

BN3D = dict(type="BN3d", requires_grad=True)


def conv1x1(module, x):
    """A 1×1×1 convolution (with bias when it has one) applied to x [C, T, H, W] in NumPy."""
    weight = module.conv.weight.detach().numpy()[:, :, 0, 0, 0]
    out = np.einsum("oc,cthw->othw", weight, x)
    if module.conv.bias is not None:
        out += module.conv.bias.detach().numpy()[:, None, None, None]
    return out


def maxpool_hw(x):
    c, t, h, w = x.shape
    return x.reshape(c, t, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def softmax(a):
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def restated(block, x, mode, sub_sample, use_scale):
    """The non-local block on one clip x [C, T, H, W], written out (conv_out without a norm)."""
    first = (lambda m: m[0]) if sub_sample else (lambda m: m)
    pool = maxpool_hw if sub_sample else (lambda a: a)
    g = pool(conv1x1(first(block.g), x)).reshape(block.inter_channels, -1).T          # [P', C']
    if mode == "gaussian":
        theta, phi = x.reshape(x.shape[0], -1).T, pool(x).reshape(x.shape[0], -1)
    else:
        theta = conv1x1(block.theta, x).reshape(block.inter_channels, -1).T              # [P, C']
        phi = pool(conv1x1(first(block.phi), x)).reshape(block.inter_channels, -1)       # [C', P']
    pairs = theta @ phi
    if mode == "dot_product":
        weights = pairs / pairs.shape[-1]
    else:
        weights = softmax(pairs / np.sqrt(theta.shape[-1]) if mode == "embedded_gaussian" and use_scale else pairs)
    y = (weights @ g).T.reshape(block.inter_channels, *x.shape[1:])
    return x + conv1x1(block.conv_out, y)


@pytest.mark.parametrize("mode", ["embedded_gaussian", "dot_product", "gaussian"])
@pytest.mark.parametrize("sub_sample, use_scale", [(True, False), (False, True)])
def test_each_mode_computes_the_non_local_operation(mode, sub_sample, use_scale):
    torch.manual_seed(0)
    block = NonLocal3d(6, sub_sample=sub_sample, use_scale=use_scale, mode=mode, zeros_init=False, std=0.3)
    x = torch.randn(2, 6, 2, 4, 4)
    with torch.no_grad():
        out = block(x).numpy()
    for i in range(2):
        np.testing.assert_allclose(out[i], restated(block, x[i].numpy(), mode, sub_sample, use_scale),
                                   rtol=1e-4, atol=1e-5)


def test_keys_and_initialisation_are_mmcvs():
    torch.manual_seed(0)
    block = NonLocal3d(8, sub_sample=True, norm_cfg=BN3D, mode="embedded_gaussian")
    assert list(block.state_dict()) == [
        "g.0.conv.weight", "g.0.conv.bias", "conv_out.conv.weight", "conv_out.bn.weight", "conv_out.bn.bias",
        "conv_out.bn.running_mean", "conv_out.bn.running_var", "conv_out.bn.num_batches_tracked",
        "theta.conv.weight", "theta.conv.bias", "phi.0.conv.weight", "phi.0.conv.bias"]
    assert block.inter_channels == 4 and block.g[0].conv.bias.abs().sum() == 0
    assert 0.005 < float(block.theta.conv.weight.detach().std()) < 0.02  # N(0, 0.01)
    assert block.conv_out.bn.weight.abs().sum() == 0  # a new block is the identity
    x = torch.randn(1, 8, 2, 4, 4)
    assert torch.equal(block.eval()(x), x)
    assert list(NonLocal3d(8, mode="gaussian").state_dict()) == [
        "g.conv.weight", "g.conv.bias", "conv_out.conv.weight", "conv_out.conv.bias"]


def test_frames_wrapper_runs_the_block_over_each_clip():
    torch.manual_seed(0)
    block = BasicBlock(4, 4)
    wrapped = NonLocalFrames(block, 2, dict(mode="dot_product", zeros_init=False))
    x = torch.randn(4, 4, 6, 6)  # two clips of two frames
    with torch.no_grad():
        expected = block(x)
        clip = expected[2:].permute(1, 0, 2, 3)[None]  # the second clip as [1, C, T, H, W]
        second = wrapped.non_local_block(clip)[0].permute(1, 0, 2, 3)
        assert torch.allclose(wrapped(x)[2:], second, atol=1e-6)
    with pytest.raises(ValueError, match="5 frames is not a whole number of 2-frame clips"):
        wrapped(torch.randn(5, 4, 6, 6))


@pytest.mark.parametrize("type_", ["ResNet3d", "ResNet3dSlowOnly"])
def test_3d_backbones_put_the_block_after_the_flagged_blocks(type_):
    torch.manual_seed(0)
    cfg = dict(type=type_, depth=18, base_channels=4, non_local=((0, 0), (0, 1), (0, 0), (0, 0)),
               non_local_cfg=dict(sub_sample=True, use_scale=False, norm_cfg=BN3D, mode="gaussian"))
    model = BACKBONES.build(cfg)
    model.init_weights()
    blocks = [name for name, m in model.named_modules() if isinstance(m, NonLocal3d)]
    assert blocks == ["layer2.1.non_local_block"]
    x = torch.randn(1, 3, 4, 32, 32)
    out = model(x)
    out.mean().backward()
    assert model.layer2[1].non_local_block.g[0].conv.weight.grad is not None
    # the block follows the activation: the stage equals the block without it, then the non-local block
    layer2 = model.layer2.eval()
    with torch.no_grad():
        inner = layer2[0](model.pool2(model.layer1(model.maxpool(model.conv1(x)))))
        nl = layer2[1].non_local_block
        del layer2[1].non_local_block
        assert torch.allclose(layer2(model.pool2(model.layer1(model.maxpool(model.conv1(x))))),
                              layer2[1](inner))
        layer2[1].non_local_block = nl


def test_tsm_wraps_flagged_blocks_and_keeps_their_own_init():
    torch.manual_seed(0)
    cfg = dict(type="ResNetTSM", depth=18, num_segments=2, pretrained=None,
               non_local=((0, 0), (1, 0), (0, 0), (0, 0)),
               non_local_cfg=dict(sub_sample=True, use_scale=False, norm_cfg=BN3D, mode="embedded_gaussian"))
    model = BACKBONES.build(cfg)
    model.init_weights()
    assert isinstance(model.layer2[0], NonLocalFrames) and "layer2.0.block.conv1.conv.net.weight" in model.state_dict()
    nl = model.layer2[0].non_local_block
    assert nl.conv_out.bn.weight.abs().sum() == 0 and float(nl.theta.conv.weight.detach().std()) < 0.02
    out = model(torch.randn(4, 3, 32, 32))
    assert out.shape == (4, 512, 1, 1)
    empty = BACKBONES.build(dict(cfg, non_local_cfg={}))  # MMAction2: no config, no block
    assert not any(isinstance(m, NonLocal3d) for m in empty.modules())


def test_tsm_nl_loads_plain_resnet_weights_into_the_wrapped_blocks(tmp_path):
    torch.manual_seed(0)
    plain = BACKBONES.build(dict(type="ResNet", depth=18, pretrained=None))
    plain.init_weights()
    torch.save(plain.state_dict(), tmp_path / "r18.pth")
    model = BACKBONES.build(dict(type="ResNetTSM", depth=18, num_segments=2, pretrained=str(tmp_path / "r18.pth"),
                                 non_local=((0, 0), (1, 0), (0, 0), (0, 0)),
                                 non_local_cfg=dict(sub_sample=True, norm_cfg=BN3D, mode="dot_product")))
    model.init_weights()  # `layer2.0.conv1.conv.weight` goes to `layer2.0.block.conv1.conv.net.weight`
    assert torch.equal(model.layer2[0].block.conv1.conv.net.weight, plain.layer2[0].conv1.conv.weight)
    assert model.layer2[0].non_local_block.conv_out.bn.weight.abs().sum() == 0  # its own init, after loading
