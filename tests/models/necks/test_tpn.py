"""The TPN neck: its output equals a restatement of TPN's computation in plain torch.nn.functional calls, its
auxiliary loss is 0.5 × the cross entropy of its auxiliary classifier, and the flows differ as specified."""
import pytest
import torch
import torch.nn.functional as F

from vidrun.models import NECKS

SMALL = dict(type="TPN", in_channels=(32, 64), out_channels=32,
             spatial_modulation_cfg=dict(in_channels=(32, 64), out_channels=64),
             temporal_modulation_cfg=dict(downsample_scales=(2, 2)), upsample_cfg=dict(scale_factor=(1, 1, 1)),
             downsample_cfg=dict(downsample_scale=(1, 1, 1)),
             level_fusion_cfg=dict(in_channels=(32, 32), mid_channels=(32, 32), out_channels=64,
                                   downsample_scales=((1, 1, 1), (1, 1, 1))),
             aux_head_cfg=dict(out_channels=5, loss_weight=0.5))


def conv_bn(unit, x, stride=1, padding=0, groups=1, relu=True):
    """A ConvModule (conv, eval-mode BN, optional ReLU) written out."""
    x = F.conv3d(x, unit.conv.weight, unit.conv.bias, stride, padding, groups=groups)
    if hasattr(unit, "bn"):
        bn = unit.bn
        x = F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
    return F.relu(x) if relu else x


def fuse(fusion, levels):
    mids = [conv_bn(down.conv, level, groups=32) for down, level in zip(fusion.downsamples, levels)]
    return conv_bn(fusion.fusion_conv, torch.cat(mids, 1))


def restated(neck, x, flow):
    shallow = conv_bn(neck.spatial_modulation.spatial_modulation[0][0], x[0], (1, 2, 2), (0, 1, 1))
    modulated = [F.max_pool3d(conv_bn(op.conv, level, 1, (1, 0, 0), groups=32, relu=False), (2, 1, 1), (2, 1, 1),
                              ceil_mode=True)
                 for op, level in zip(neck.temporal_modulation_ops, [shallow, x[1]])]
    top = [modulated[0] + modulated[1], modulated[1]]  # upsampling by 1
    start = top if flow == "cascade" else modulated
    down = neck.downsample_ops[0].conv.conv
    bottom = [start[0], start[1] + F.conv3d(start[0], down.weight, None, 1, (1, 0, 0))]
    both = torch.cat([fuse(neck.level_fusion_1, top), fuse(neck.level_fusion_2, bottom)], 1)
    return conv_bn(neck.pyramid_fusion, both)


@pytest.mark.parametrize("flow", ["cascade", "parallel"])
def test_tpn_output_is_the_restated_computation(flow):
    torch.manual_seed(0)
    neck = NECKS.build(dict(SMALL, flow_type=flow)).eval()
    for module in neck.modules():  # non-trivial norm statistics
        if isinstance(module, torch.nn.BatchNorm3d):
            module.running_mean.uniform_(-0.1, 0.1), module.running_var.uniform_(0.5, 1.5)
    x = [torch.randn(2, 32, 4, 8, 8), torch.randn(2, 64, 4, 4, 4)]
    with torch.no_grad():
        out, losses = neck(x)
        expected = restated(neck, x, flow)
    assert losses == {} and out.shape == (2, 2048, 2, 4, 4)
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-5)


def test_flows_differ_and_a_bad_flow_is_refused():
    torch.manual_seed(0)
    cascade = NECKS.build(SMALL).eval()
    parallel = NECKS.build(dict(SMALL, flow_type="parallel")).eval()
    parallel.load_state_dict(cascade.state_dict())
    x = [torch.randn(1, 32, 2, 8, 8), torch.randn(1, 64, 2, 4, 4)]
    with torch.no_grad():
        assert not torch.allclose(cascade(x)[0], parallel(x)[0])
    with pytest.raises(ValueError, match="flow_type must be 'cascade' or 'parallel'"):
        NECKS.build(dict(SMALL, flow_type="diagonal"))


def test_aux_loss_is_weighted_cross_entropy_of_the_aux_head():
    torch.manual_seed(0)
    neck = NECKS.build(SMALL).train()
    neck.aux_head.dropout.p = 0.0
    x = [torch.randn(3, 32, 2, 8, 8), torch.randn(3, 64, 2, 4, 4)]
    target = torch.tensor([0, 4, 2])
    _, losses = neck(x, target)
    aux = neck.aux_head
    scores = aux.fc(aux.conv(x[0]).mean(dim=(2, 3, 4)))
    torch.testing.assert_close(losses["loss_aux"], 0.5 * F.cross_entropy(scores, target))
    losses["loss_aux"].backward()
    assert aux.fc.weight.grad is not None


def test_init_is_xavier_for_convs_and_ones_for_norms():
    neck = NECKS.build(SMALL)
    weight = neck.pyramid_fusion.conv.weight
    bound = (6 / (weight.shape[0] + weight.shape[1])) ** 0.5  # xavier-uniform, 1x1x1 kernel
    assert weight.abs().max() <= bound and weight.std() > bound / 3
    assert torch.all(neck.pyramid_fusion.bn.weight == 1) and torch.all(neck.pyramid_fusion.bn.bias == 0)
    assert abs(neck.aux_head.fc.weight.std().item() - 0.01) < 0.002
