"""X3D: MMAction2's X3D-S structure, SE placement, activations, freezing, initialisation and argument errors."""
import pytest
import torch
from torch import nn

from vidrun.models.backbones.x3d import X3D, BlockX3D, round_width
from vidrun.models.registries import BACKBONES


@pytest.fixture(scope="module")
def x3d_s():
    return BACKBONES.build(dict(type="X3D", gamma_w=1, gamma_b=2.25, gamma_d=2.2)).eval()


def blocks(model: X3D) -> list[BlockX3D]:
    return [block for name in model.res_layers for block in getattr(model, name)]


def test_x3d_s_gives_432_channels_at_a_32nd_of_the_size(x3d_s):
    with torch.no_grad():
        out = x3d_s(torch.randn(1, 3, 4, 64, 64))
    assert out.shape == (1, 432, 4, 2, 2) and x3d_s.feat_dim == 432


def test_x3d_s_structure(x3d_s):
    assert x3d_s.stage_blocks == [3, 5, 11, 7]  # ceil(2.2 × [1, 2, 5, 3])
    widths = [(getattr(x3d_s, n)[0].conv1.conv.out_channels, getattr(x3d_s, n)[0].conv3.conv.out_channels)
              for n in x3d_s.res_layers]
    assert widths == [(54, 24), (108, 48), (216, 96), (432, 192)]  # inner width = int(2.25 × stage width)
    conv2 = x3d_s.layer2[1].conv2.conv
    assert conv2.kernel_size == (3, 3, 3) and conv2.groups == conv2.in_channels == 108
    assert x3d_s.conv1_t.conv.kernel_size == (5, 1, 1) and x3d_s.conv1_t.conv.groups == 24
    assert [b.se_module is not None for b in x3d_s.layer2] == [True, False, True, False, True]
    assert x3d_s.layer1[0].se_module.fc1.out_channels == 8  # round_width(54 / 16) = 8
    assert isinstance(x3d_s.layer1[0].swish, nn.SiLU) and isinstance(x3d_s.layer1[0].relu, nn.ReLU)


def test_keys_follow_mmaction_names(x3d_s):
    keys = set(x3d_s.state_dict())
    assert {"conv1_s.conv.weight", "conv1_t.bn.running_mean", "layer1.0.downsample.bn.weight",
            "layer1.0.se_module.fc1.bias", "layer4.6.conv3.conv.weight", "conv5.bn.weight"} <= keys
    assert "conv1_s.conv.bias" not in keys and "layer1.1.se_module.fc1.weight" not in keys


def small(**kwargs) -> X3D:
    return X3D(**{"gamma_b": 1.0, "gamma_d": 1.0, **kwargs})


def test_se_style_ratio_and_swish_options():
    assert all(b.se_module is not None for b in blocks(small(se_style="all")))
    assert all(b.se_module is None for b in blocks(small(se_ratio=None)))
    assert all(isinstance(b.swish, nn.ReLU) for b in blocks(small(use_swish=False)))
    assert round_width(24, 2.0) == 48 and round_width(24, 1.0) == 24 and round_width(54, 1 / 16) == 8


def test_init_weights_zero_init_residual_and_loading(tmp_path):
    model = small()
    model.init_weights()
    assert all(torch.all(b.conv3.bn.weight == 0) for b in blocks(model))
    assert torch.all(model.conv5.bn.weight == 1)
    torch.save({"state_dict": model.state_dict()}, tmp_path / "x3d.pth")
    loaded = small(pretrained=str(tmp_path / "x3d.pth"), zero_init_residual=False)
    loaded.init_weights()
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in model.state_dict().items())


def test_frozen_stages_and_norm_eval():
    model = small(frozen_stages=1, norm_eval=True).train()
    frozen = [model.conv1_s, model.conv1_t, model.layer1]
    assert not any(p.requires_grad for m in frozen for p in m.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert not any(m.training for m in model.modules() if isinstance(m, nn.BatchNorm3d))
    assert model.layer2[0].conv1.training


@pytest.mark.parametrize("kwargs, match", [
    (dict(se_style="quarter"), r"se_style='quarter' is not one of"),
    (dict(spatial_strides=(2, 2)), r"spatial_strides=\(2, 2\) needs one entry per stage"),
    (dict(num_stages=0), r"num_stages=0 must be 1 to 4"),
    (dict(frozen_stages=9), r"frozen_stages=9"),
    (dict(se_ratio=0), r"se_ratio=0 must be positive"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        small(**kwargs)
