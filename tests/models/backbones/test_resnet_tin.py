"""TIN: mmcv's `tin_shift`, the linear sampler and the interlace module against NumPy restatements of
MMAction2 0.24.1 / mmcv 1.7's computation, and `ResNetTIN`'s placement, initialisation and weight loading."""
import numpy as np
import pytest
import torch

from vidrun.models.backbones import ResNet, ResNetTIN
from vidrun.models.layers import CombineNet, TemporalInterlace
from vidrun.models.layers.temporal_interlace import linear_sampler, tin_shift


def numpy_tin_shift(data, shift):
    """mmcv's CUDA kernel, loop for loop: out[n, i + s, c] = data[n, i, c] where i + s is inside the clip."""
    n, t, c, _ = data.shape
    out = np.zeros_like(data)
    group_channels = c // shift.shape[1]
    for b in range(n):
        for ch in range(c):
            s = int(shift[b, ch // group_channels])
            for i in range(t):
                if 0 <= i + s < t:
                    out[b, i + s, ch] = data[b, i, ch]
    return out


def test_tin_shift_is_mmcvs_kernel():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((2, 5, 8, 3)).astype(np.float32)
    shift = np.array([[1, -2, 0, 7], [-1, 3, 2, -5]], dtype=np.int32)
    out = tin_shift(torch.from_numpy(data), torch.from_numpy(shift))
    np.testing.assert_array_equal(out.numpy(), numpy_tin_shift(data, shift))
    with pytest.raises(ValueError, match="multiple"):
        tin_shift(torch.zeros(1, 4, 6, 1), torch.zeros(1, 4, dtype=torch.int32))


def test_tin_shift_gradient_is_the_adjoint_of_the_shift():
    data = torch.randn(1, 4, 2, 1, requires_grad=True)
    shift = torch.tensor([[1, -1]], dtype=torch.int32)
    probe = torch.randn(1, 4, 2, 1)
    (tin_shift(data, shift) * probe).sum().backward()
    expected = numpy_tin_shift(probe.numpy(), -shift.numpy())  # <shift(x), p> = <x, shift⁻¹(p)>
    np.testing.assert_allclose(data.grad.numpy(), expected)


def test_linear_sampler_interpolates_between_whole_shifts():
    rng = np.random.default_rng(1)
    data = rng.standard_normal((2, 4, 8, 2, 3)).astype(np.float32)
    offset = np.array([[0.25, -1.5, 1.0, -0.75], [1.9, 0.0, -0.1, 0.5]], dtype=np.float32)
    flat = data.reshape(2, 4, 8, 6)
    low = np.floor(offset).astype(np.int32)
    frac = np.repeat(offset - low, 2, axis=1)[:, None, :, None]
    expected = (1 - frac) * numpy_tin_shift(flat, low) + frac * numpy_tin_shift(flat, low + 1)
    out = linear_sampler(torch.from_numpy(data), torch.from_numpy(offset))
    np.testing.assert_allclose(out.numpy(), expected.reshape(data.shape), rtol=1e-6, atol=1e-6)


def conv1d(x, weight, bias):
    """[N, C, T] ⊛ [O, C, 3], padding 1."""
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1)))
    return np.stack([np.einsum("nck,ock->no", padded[:, :, i:i + 3], weight) for i in range(x.shape[2])], 2) + \
        bias[None, :, None]


def numpy_interlace(x, module, segments, shift_div):
    """MMAction2's TemporalInterlace.forward restated in NumPy with the module's weights."""
    p = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    n, c, h, w = x.shape
    clips, folds = n // segments, c // shift_div
    moving = x[:, :folds].reshape(clips, segments, folds, h, w)
    pooled = moving.mean(axis=(3, 4)).transpose(0, 2, 1)
    z = conv1d(pooled, p["offset_net.conv.weight"], p["offset_net.conv.bias"])[:, 0]
    z = np.maximum(z @ p["offset_net.fc1.weight"].T + p["offset_net.fc1.bias"], 0)
    offset = 4 * (sigmoid(z @ p["offset_net.fc2.weight"].T + p["offset_net.fc2.bias"]) - 0.5)
    weight = 2 * sigmoid(conv1d(pooled, p["weight_net.conv.weight"], p["weight_net.conv.bias"])).transpose(0, 2, 1)
    offset = np.concatenate([offset, -offset], 1)
    low = np.floor(offset).astype(np.int32)
    frac = np.repeat(offset - low, folds // 4, axis=1)[:, None, :, None]
    flat = moving.reshape(clips, segments, folds, h * w)
    shifted = (1 - frac) * numpy_tin_shift(flat, low) + frac * numpy_tin_shift(flat, low + 1)
    per_channel = np.tile(np.repeat(weight, folds // 4, axis=2), (1, 1, 2))  # w1.., w2.., w1.., w2..
    shifted = (shifted * per_channel[..., None]).reshape(n, folds, h, w)
    return np.concatenate([shifted, x[:, folds:]], 1)


def test_temporal_interlace_is_mmaction2s():
    torch.manual_seed(0)
    module = TemporalInterlace(32, num_segments=4, shift_div=4)
    for param in module.parameters():  # random weights, so that offsets and weights vary
        torch.nn.init.normal_(param, std=0.5)
    x = torch.randn(8, 32, 3, 3)
    out = module(x).detach().numpy()
    np.testing.assert_allclose(out, numpy_interlace(x.numpy(), module, 4, 4), rtol=1e-5, atol=1e-5)
    assert np.array_equal(out[:, 8:], x.numpy()[:, 8:])
    with pytest.raises(ValueError, match="multiple of 4"):
        TemporalInterlace(24, 4, shift_div=4)


@pytest.fixture(scope="module")
def tin():
    torch.manual_seed(0)
    model = ResNetTIN(depth=18, num_segments=4)
    model.init_weights()
    return model


def test_every_block_interlaces_its_first_convolution(tin):
    blocks = [b for name in tin.res_layers for b in getattr(tin, name)]
    assert len(blocks) == 8 and all(isinstance(b.conv1.conv, CombineNet) for b in blocks)
    assert blocks[4].conv1.conv.net1.offset_net.conv.in_channels == 128 // 4  # layer3.0 sees 128 channels
    assert not tin.is_shift and "layer1.0.conv1.conv.net2.weight" in tin.state_dict()


def test_interlace_modules_keep_their_own_initialisation(tin):
    offset_net = tin.layer1[0].conv1.conv.net1.offset_net
    assert torch.all(offset_net.fc2.bias == 0.5108)
    assert torch.all(tin.layer1[0].conv1.conv.net1.weight_net.conv.bias == 0)
    assert offset_net.conv.bias.abs().sum() > 0  # PyTorch's default, not Kaiming's zero bias


def test_plain_resnet_weights_load(tmp_path, to_mmaction_names):
    plain = ResNet(depth=18)
    torch.save(plain.state_dict(), tmp_path / "r18.pth")
    model = ResNetTIN(depth=18, num_segments=4, pretrained=str(tmp_path / "r18.pth"))
    model.init_weights()
    assert torch.equal(model.layer3[1].conv1.conv.net2.weight, plain.layer3[1].conv1.conv.weight)
    assert torch.equal(model.layer3[1].conv1.bn.running_mean, plain.layer3[1].conv1.bn.running_mean)


def test_shift_and_pool_arguments_are_refused():
    with pytest.raises(ValueError, match="is_shift"):
        ResNetTIN(depth=18, is_shift=True)


def test_frozen_stages_freeze_their_interlace_modules_too():
    model = ResNetTIN(depth=18, num_segments=4, frozen_stages=2)
    assert not any(p.requires_grad for p in model.layer2.parameters())
    assert all(p.requires_grad for p in model.layer3[0].conv1.conv.net1.parameters())
