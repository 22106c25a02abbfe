"""TANet: the temporal adaptive module against a NumPy restatement of MMAction2 0.24.1's computation, and the
TA-block's placement, order and weight loading."""
import numpy as np
import pytest
import torch

from vidrun.models.backbones import ResNet, TANet
from vidrun.models.backbones.tanet import TABlock
from vidrun.models.layers import TAM


def numpy_tam(x, module):
    """MMAction2's TAM.forward restated in NumPy (eval mode: BN with running statistics)."""
    p = {k: v.detach().numpy().astype(np.float64) for k, v in module.state_dict().items()}
    eps = 1e-5

    def bn(z, name, axis):
        shape = [1] * z.ndim
        shape[axis] = -1
        mean, var = p[f"{name}.running_mean"].reshape(shape), p[f"{name}.running_var"].reshape(shape)
        return (z - mean) / np.sqrt(var + eps) * p[f"{name}.weight"].reshape(shape) + p[f"{name}.bias"].reshape(shape)

    t = module.num_segments
    n, c, h, w = x.shape
    clips = n // t
    x = x.astype(np.float64).reshape(clips, t, c, h, w).transpose(0, 2, 1, 3, 4)
    theta = x.mean(axis=(3, 4))  # [clips, C, T]
    g = np.maximum(bn(theta.reshape(-1, t) @ p["G.0.weight"].T, "G.1", 1), 0) @ p["G.3.weight"].T
    kernel = np.exp(g - g.max(-1, keepdims=True))
    kernel = (kernel / kernel.sum(-1, keepdims=True)).reshape(clips, c, 3)
    padded = np.pad(theta, ((0, 0), (0, 0), (1, 1)))
    local = np.stack([np.einsum("nck,ock->no", padded[:, :, i:i + 3], p["L.0.weight"]) for i in range(t)], 2)
    local = np.einsum("oc,nct->not", p["L.3.weight"][:, :, 0], np.maximum(bn(local, "L.1", 1), 0))
    gated = x * (1 / (1 + np.exp(-local)))[..., None, None]
    padded = np.pad(gated, ((0, 0), (0, 0), (1, 1), (0, 0), (0, 0)))
    y = sum(kernel[:, :, k, None, None, None] * padded[:, :, k:k + t] for k in range(3))
    return y.transpose(0, 2, 1, 3, 4).reshape(n, c, h, w)


def test_tam_is_mmaction2s():
    torch.manual_seed(0)
    module = TAM(in_channels=8, num_segments=4)
    for name, buffer in module.named_buffers():
        if name.endswith(("running_mean", "running_var")):
            buffer.uniform_(0.5, 1.5)
    for param in module.parameters():
        torch.nn.init.normal_(param, std=0.5)
    module.eval()
    x = torch.randn(8, 8, 3, 2)
    np.testing.assert_allclose(module(x).detach().numpy(), numpy_tam(x.numpy(), module), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="TAM: input"):
        module(torch.randn(6, 8, 3, 2))


@pytest.fixture(scope="module")
def tanet():
    torch.manual_seed(0)
    model = TANet(depth=50, num_segments=4)
    model.init_weights()
    return model.eval()


def test_every_block_is_a_ta_block_with_the_tam_after_conv1(tanet):
    blocks = [b for name in tanet.res_layers for b in getattr(tanet, name)]
    assert len(blocks) == 16 and all(isinstance(b, TABlock) for b in blocks)
    assert blocks[3].tam.in_channels == 128 and blocks[3].tam.G[0].in_features == 4
    assert list(tanet.layer1[0].state_dict())[:1] == ["block.conv1.conv.weight"]
    block, x = tanet.layer2[0], torch.randn(4, 256, 8, 8)
    with torch.no_grad():
        expected = block.block.relu(block.block.conv3(block.block.conv2(block.tam(block.block.conv1(x))))
                                    + block.block.downsample(x))
        torch.testing.assert_close(block(x), expected)


def test_plain_resnet_weights_load(tmp_path):
    plain = ResNet(depth=50)
    torch.save(plain.state_dict(), tmp_path / "r50.pth")
    model = TANet(depth=50, num_segments=3, pretrained=str(tmp_path / "r50.pth"))
    model.init_weights()
    assert torch.equal(model.layer4[2].block.conv3.conv.weight, plain.layer4[2].conv3.conv.weight)
    assert torch.equal(model.layer1[0].block.downsample.bn.running_var, plain.layer1[0].downsample.bn.running_var)


def test_bad_arguments_name_the_culprit():
    with pytest.raises(ValueError, match="num_segments"):
        TANet(depth=50, num_segments=2)
    with pytest.raises(NotImplementedError, match="BasicBlock"):
        TANet(depth=18, num_segments=8)


def test_frozen_stages_freeze_their_tams_too():
    model = TANet(depth=50, num_segments=3, frozen_stages=1)
    assert not any(p.requires_grad for p in model.layer1.parameters())
    assert all(p.requires_grad for p in model.layer2[0].tam.parameters())
