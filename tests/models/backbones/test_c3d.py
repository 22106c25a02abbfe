"""C3D: MMAction2's layout, output size, the out_dim check and initialisation."""
import pytest
import torch

from vidrun.models.backbones.c3d import C3D, pool5_features


@pytest.fixture(scope="module")
def c3d():
    model = C3D()
    model.init_weights()
    return model.eval()


def test_a_16x112x112_clip_gives_4096_features(c3d):
    with torch.no_grad():
        assert c3d(torch.randn(1, 3, 16, 112, 112)).shape == (1, 4096)


def test_layout_and_names(c3d):
    keys = set(c3d.state_dict())
    assert {"conv1a.conv.weight", "conv1a.conv.bias", "conv5b.conv.weight", "fc6.weight", "fc7.bias"} <= keys
    assert c3d.fc6.in_features == 8192 and c3d.pool1.kernel_size == (1, 2, 2) and c3d.pool5.padding == (0, 1, 1)
    assert [c3d.get_submodule(f"conv{n}.conv").out_channels for n in ("1a", "2a", "3b", "4b", "5b")] == \
        [64, 128, 256, 512, 512]
    assert abs(c3d.fc6.weight.std().item() - 0.005) < 5e-4 and torch.all(c3d.conv2a.conv.bias == 0)


def test_out_dim_must_fit_the_clip(c3d):
    assert pool5_features((16, 112, 112)) == 8192 and pool5_features((16, 64, 64)) == 4608
    with pytest.raises(ValueError, match=r"out_dim=8192 does not fit 16×64×64 clips.*set out_dim=4608"):
        c3d(torch.randn(1, 3, 16, 64, 64))
    with pytest.raises(ValueError, match=r"8×112×112 clips are too small"):
        c3d(torch.randn(1, 3, 8, 112, 112))


def test_another_clip_size_runs_with_its_out_dim():
    model = C3D(out_dim=512).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 16, 16, 16)).shape == (2, 4096)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="style='tf' is not one of"):
        C3D(style="tf")
    with pytest.raises(TypeError, match="pretrained must be a path or None"):
        C3D(pretrained=3)
