"""ResNet3dCSN: the channel-separated bottlenecks ('ir', 'ip'), MMAction2's defaults, bn_frozen, and a training
step and multi-view test through Recognizer3D on a small input."""
import numpy as np
import pytest
import torch

from vidrun.models import BACKBONES, build_model
from vidrun.models.backbones.resnet3d_csn import CSNBottleneck3d

TINY = dict(type="ResNet3dCSN", depth=50, pretrained=None, base_channels=4, with_pool2=False,
            zero_init_residual=False)


def test_ir_block_is_a_depthwise_conv_between_conv1_and_conv3():
    block = CSNBottleneck3d(16, 4, 1, 1, 1, None, inflate_style="3x3x3", bottleneck_mode="ir")
    assert [k.split(".")[0] for k in block.state_dict()][::6][:3] == ["conv1", "conv2", "conv3"]
    depthwise = block.conv2[0].conv
    assert depthwise.groups == 4 and depthwise.weight.shape == (4, 1, 3, 3, 3) and depthwise.padding == (1, 1, 1)
    # channel-separated: output channel c reads input channel c only
    x = torch.randn(1, 4, 3, 5, 5, requires_grad=True)
    block.conv2.eval()(x)[0, 2].sum().backward()
    assert x.grad[0, [0, 1, 3]].abs().sum() == 0 and x.grad[0, 2].abs().sum() > 0
    assert isinstance(block.conv2[0].activate, torch.nn.ReLU)


def test_ip_block_adds_a_1x1x1_conv_with_norm_and_no_activation():
    block = CSNBottleneck3d(16, 4, 2, 2, 1, None, inflate_style="3x3x3", bottleneck_mode="ip")
    first, second = block.conv2
    assert first.conv.kernel_size == (1, 1, 1) and first.norm is not None and not first.with_activation
    assert second.conv.groups == 4 and second.conv.stride == (2, 2, 2)  # the strides stay on the 3×3×3 conv
    with pytest.raises(ValueError, match="bottleneck_mode must be 'ip' or 'ir', not 'xx'"):
        BACKBONES.build(dict(TINY, bottleneck_mode="xx"))


def test_mmaction2_defaults():
    model = BACKBONES.build(TINY)
    assert model.conv1.bn.eps == 1e-3 and model.conv1.conv.kernel_size == (3, 7, 7)
    assert model.layer2[0].conv2[0].conv.stride == (2, 2, 2)  # temporal strides (1, 2, 2, 2)
    with pytest.raises(ValueError, match="depth=18 is not supported; choose one of \\[50, 101, 152\\]"):
        BACKBONES.build(dict(TINY, depth=18))


def test_bn_frozen_with_norm_eval_freezes_the_norms():
    model = BACKBONES.build(dict(TINY, norm_eval=True, bn_frozen=True)).train()
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm3d)]
    assert all(not m.training and not m.weight.requires_grad for m in norms)
    assert model.layer1[0].conv1.conv.weight.requires_grad
    loose = BACKBONES.build(dict(TINY, norm_eval=True)).train()
    assert all(m.weight.requires_grad for m in loose.modules() if isinstance(m, torch.nn.BatchNorm3d))


@pytest.mark.parametrize("mode", ["ir", "ip"])
def test_a_training_step_and_a_multi_view_test(mode):
    torch.manual_seed(0)
    model = build_model(dict(type="Recognizer3D", backbone=dict(TINY, bottleneck_mode=mode),
                             cls_head=dict(type="I3DHead", num_classes=3, in_channels=128),
                             test_cfg=dict(average_clips="prob", max_testing_views=2)))
    # the multi-view test first: one step's running statistics (momentum 0.1) are no fair test of eval mode
    scores = np.asarray(model.eval()(torch.randn(1, 3, 3, 8, 32, 32), return_loss=False))
    assert scores.shape == (1, 3) and np.isclose(scores.sum(), 1.0, atol=1e-5)
    optimizer = torch.optim.SGD(model.train().parameters(), lr=0.01)
    losses = model(torch.randn(2, 1, 3, 8, 32, 32), torch.tensor([[0], [2]]), return_loss=True)
    losses["loss_cls"].backward()
    optimizer.step()
    assert torch.isfinite(losses["loss_cls"]) and model.backbone.layer4[0].conv2[-1].conv.weight.grad is not None
