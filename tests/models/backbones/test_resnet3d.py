"""ResNet3d / ResNet3dSlowOnly: shapes, kernels chosen by `inflate`, freezing, initialisation, argument errors."""

import pytest
import torch
from torch import nn

from vidrun.models.backbones.resnet3d import ResNet3d
from vidrun.models.backbones.resnet3d_slowonly import ResNet3dSlowOnly
from vidrun.models.layers import BasicBlock3d, Bottleneck3d
from vidrun.models.legacy_keys import legacy_name
from vidrun.models.registries import BACKBONES

I3D_INFLATE = ((1, 1, 1), (1, 0, 1, 0), (1, 0, 1, 0, 1, 0), (0, 1, 0))


def run(model: nn.Module, shape=(1, 3, 8, 64, 64)):
    model.eval()
    with torch.no_grad():
        return model(torch.randn(shape))


@pytest.mark.parametrize("depth, channels", [(18, 512), (50, 2048)])
def test_default_strides_halve_time_once_and_space_five_times(depth, channels):
    # conv1 and pool1 keep T (stride_t 1), pool2 halves it; H and W: conv1, pool1, layer2..4 halve them.
    assert run(ResNet3d(depth)).shape == (1, channels, 4, 2, 2)


def test_i3d_r50_config_shape_and_parameter_count():
    model = ResNet3d(50, conv1_kernel=(5, 7, 7), conv1_stride_t=2, pool1_stride_t=2, inflate=I3D_INFLATE,
                     zero_init_residual=False)
    assert run(model).shape == (1, 2048, 1, 2, 2)  # T: 8 → conv1 4 → pool1 2 → pool2 1
    # Independently: torchvision's resnet50 has 25,557,032 parameters, 23,508,032 without fc. Inflating adds
    # (kt - 1) × (2D weight) per conv: conv1 4 × 9,408 = 37,632; each inflated bottleneck's conv1 2 × in × planes:
    # layer1 2·64·64 + 2·(2·256·64) = 73,728; layer2 2·256·128 + 2·512·128 = 196,608;
    # layer3 2·512·256 + 2·(2·1024·256) = 1,310,720; layer4 2·2048·512 = 2,097,152. Total 27,223,872, which with
    # I3DHead's 2048×400 fc (819,600) is the 28.04 M MMAction2 lists for I3D R50.
    assert sum(p.numel() for p in model.parameters()) == 27_223_872


def test_slowonly_config_from_mmaction_builds_and_keeps_time():
    cfg = dict(type="ResNet3dSlowOnly", depth=50, pretrained=None, lateral=False, conv1_kernel=(1, 7, 7),
               conv1_stride_t=1, pool1_stride_t=1, inflate=(0, 0, 1, 1), norm_eval=False)
    model = BACKBONES.build(cfg)
    assert isinstance(model, ResNet3dSlowOnly) and isinstance(model.pool2, nn.Identity)
    assert model.conv1.conv.kernel_size == (1, 7, 7)
    assert [m.conv1.conv.kernel_size for m in (model.layer2[0], model.layer3[0])] == [(1, 1, 1), (3, 1, 1)]
    assert run(model).shape == (1, 2048, 8, 2, 2)


def kernels(model: ResNet3d, convs=("conv1", "conv2")):
    return [[tuple(getattr(block, c).conv.kernel_size for c in convs) for block in getattr(model, name)]
            for name in model.res_layers]


def test_i3d_inflate_pattern_sets_bottleneck_kernels_per_block():
    model = ResNet3d(50, base_channels=8, inflate=I3D_INFLATE)
    on, off = ((3, 1, 1), (1, 3, 3)), ((1, 1, 1), (1, 3, 3))
    assert kernels(model) == [[on, on, on], [on, off, on, off], [on, off, on, off, on, off], [off, on, off]]
    assert all(block.conv3.conv.kernel_size == (1, 1, 1) for name in model.res_layers for block in getattr(model, name))


def test_3x3x3_style_and_basic_blocks():
    bottleneck = ResNet3d(50, base_channels=8, inflate=(1, 0, 0, 0), inflate_style="3x3x3")
    assert kernels(bottleneck)[0][0] == ((1, 1, 1), (3, 3, 3)) and kernels(bottleneck)[1][0] == ((1, 1, 1), (1, 3, 3))
    basic = ResNet3d(18, base_channels=8, inflate=(1, 0, 1, 0))
    assert kernels(basic)[0] == [((3, 3, 3), (3, 3, 3))] * 2 and kernels(basic)[1] == [((1, 3, 3), (1, 3, 3))] * 2
    assert isinstance(basic.layer1[0], BasicBlock3d) and isinstance(bottleneck.layer1[0], Bottleneck3d)


def test_caffe_style_strides_the_first_conv():
    pytorch, caffe = (ResNet3d(50, base_channels=8, style=s).layer2[0] for s in ("pytorch", "caffe"))
    assert (pytorch.conv1.conv.stride, pytorch.conv2.conv.stride) == ((1, 1, 1), (1, 2, 2))
    assert (caffe.conv1.conv.stride, caffe.conv2.conv.stride) == ((1, 2, 2), (1, 1, 1))


def test_out_indices_temporal_strides_and_dilations():
    model = ResNet3d(18, base_channels=8, out_indices=(0, 1, 2, 3), temporal_strides=(1, 1, 2, 1),
                     spatial_strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2), with_pool2=False)
    shapes = [tuple(out.shape) for out in run(model)]
    assert shapes == [(1, 8, 8, 16, 16), (1, 16, 8, 8, 8), (1, 32, 4, 4, 4), (1, 64, 4, 4, 4)]
    assert model.layer4[0].conv1.conv.dilation == (1, 2, 2) and model.feat_dim == 64


def test_with_cp_gives_the_same_output_and_gradients():
    torch.manual_seed(0)
    plain = ResNet3d(18, base_channels=8, zero_init_residual=False)
    plain.init_weights()
    checkpointed = ResNet3d(18, base_channels=8, with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 4, 32, 32)
    outs = [model(x).sum() for model in (plain, checkpointed)]
    for out in outs:
        out.backward()
    assert torch.allclose(outs[0], outs[1])
    assert torch.allclose(plain.conv1.conv.weight.grad, checkpointed.conv1.conv.weight.grad, atol=1e-6)


def test_norm_eval_keeps_batchnorm_statistics_in_training():
    model = ResNet3d(18, base_channels=8, norm_eval=True).train()
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm3d)]
    assert norms and not any(m.training for m in norms) and model.layer1[0].conv1.training
    before = model.conv1.bn.running_mean.clone()
    model(torch.randn(2, 3, 4, 32, 32))
    assert torch.equal(before, model.conv1.bn.running_mean)


def test_frozen_stages_stop_the_stem_and_early_layers():
    model = ResNet3d(18, base_channels=8, frozen_stages=1)
    frozen = [model.conv1, model.layer1]
    assert not any(p.requires_grad for m in frozen for p in m.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    model.train()
    assert not model.conv1.bn.training and not model.layer1[0].conv1.bn.training
    assert model.layer2[0].conv1.bn.training


@pytest.mark.parametrize("depth, last", [(18, "conv2"), (50, "conv3")])
def test_zero_init_residual_zeroes_each_blocks_last_norm(depth, last):
    for zero in (True, False):
        model = ResNet3d(depth, base_channels=8, zero_init_residual=zero)
        model.init_weights()
        weights = [getattr(block, last).bn.weight for name in model.res_layers for block in getattr(model, name)]
        assert all(torch.all(w == (0.0 if zero else 1.0)) for w in weights)
        assert torch.all(model.conv1.bn.weight == 1.0)


def test_3d_weights_load_with_either_naming(tmp_path):
    source = ResNet3d(18, base_channels=8)
    source.init_weights()
    renamed = {legacy_name(k): v for k, v in source.state_dict().items()}  # an earlier vidrun's names
    assert {"bn1.weight", "layer2.0.bn2.weight", "layer2.0.downsample.0.weight"} <= set(renamed)
    for i, state in enumerate((source.state_dict(), {f"backbone.{k}": v for k, v in renamed.items()})):
        torch.save(state, tmp_path / f"{i}.pth")
        model = ResNet3d(18, base_channels=8, pretrained=str(tmp_path / f"{i}.pth"), pretrained2d=False)
        model.init_weights()
        assert all(torch.equal(v, model.state_dict()[k]) for k, v in source.state_dict().items())


def test_forward_wants_clips():
    with pytest.raises(ValueError, match=r"\[N, C, T, H, W\]"):
        ResNet3d(18, base_channels=8)(torch.randn(1, 3, 32, 32))


@pytest.mark.parametrize("kwargs, match", [
    (dict(depth=19), r"depth=19 is not supported; choose one of \[18, 34, 50, 101, 152\]"),
    (dict(depth=50, inflate=((1, 0), 1, 1, 1)), r"inflate\[0\]=\(1, 0\) has 2 entries but layer1 has 3 blocks"),
    (dict(inflate=(1, 1)), r"inflate=\(1, 1\) has 2 entries for 4 stages"),
    (dict(non_local=(0, 1, 0, 0), non_local_cfg=dict(mode="cosine")), "NonLocal3d: mode='cosine' is not one of"),
    (dict(spatial_strides=(1, 2, 2)), r"spatial_strides=\(1, 2, 2\) needs one entry per stage"),
    (dict(out_indices=(4,)), r"out_indices=\(4,\)"),
    (dict(inflate_style="3x3"), r"inflate_style='3x3' is not one of"),
    (dict(style="tf"), r"style='tf' is not one of"),
    (dict(frozen_stages=5), r"frozen_stages=5"),
    (dict(num_stages=5), r"num_stages=5 must be 1 to 4"),
])
def test_bad_arguments_are_named(kwargs, match):
    kwargs = {"depth": 18, **kwargs}
    with pytest.raises(ValueError, match=match):
        ResNet3d(**kwargs)


def test_slowonly_rejects_lateral_and_pretrained_must_be_a_path():
    with pytest.raises(ValueError, match="lateral=True .* is not supported"):
        ResNet3dSlowOnly(18, lateral=True)
    with pytest.raises(TypeError, match="pretrained must be a path or None"):
        ResNet3d(18, pretrained=1)
