"""Conv2plus1d and ResNet2Plus1d: MMAction2's mid-channel formula, the factorised computation, no pool2, and a
training step and multi-view test through Recognizer3D on a small input."""
import numpy as np
import pytest
import torch
from torch.nn import functional as F

from vidrun.models import BACKBONES, build_model
from vidrun.models.layers import ConvModule
from vidrun.models.layers.conv2plus1d import Conv2plus1d, mid_channels

TINY = dict(type="ResNet2Plus1d", depth=18, pretrained=None, pretrained2d=False, base_channels=4,
            conv_cfg=dict(type="Conv2plus1d"), norm_cfg=dict(type="BN3d", requires_grad=True, eps=1e-3),
            conv1_kernel=(3, 7, 7), conv1_stride_t=1, pool1_stride_t=1, inflate=(1, 1, 1, 1),
            spatial_strides=(1, 2, 2, 2), temporal_strides=(1, 2, 2, 2), zero_init_residual=False)


@pytest.mark.parametrize("cin, cout, kernel, expected", [
    (64, 64, 3, 144),         # 3·64·64·9 / (64·9 + 3·64) = 110592 / 768
    (3, 64, (3, 7, 7), 83),   # 3·3·64·49 / (3·49 + 192) = 28224 / 339 = 83.26
    (64, 128, 1, 54),         # a 1×1×1 shortcut: 3·64·128 / (64 + 3·128) = 24576 / 448 = 54.86
])
def test_mid_channels_is_mmaction2s_formula(cin, cout, kernel, expected):
    assert mid_channels(cin, cout, kernel) == expected
    assert Conv2plus1d(cin, cout, kernel).conv_s.out_channels == expected


def test_spatial_then_temporal_convolution():
    torch.manual_seed(0)
    conv = Conv2plus1d(2, 3, (3, 3, 3), stride=(2, 2, 2), padding=(1, 1, 1), bias=False).eval()
    x = torch.randn(1, 2, 5, 6, 6)
    with torch.no_grad():
        middle = F.conv3d(x, conv.conv_s.weight, stride=(1, 2, 2), padding=(0, 1, 1))
        middle = F.relu(F.batch_norm(middle, torch.zeros(conv.conv_s.out_channels),
                                     torch.ones(conv.conv_s.out_channels), eps=1e-5))
        expected = F.conv3d(middle, conv.conv_t.weight, stride=(2, 1, 1), padding=(1, 0, 0))
        assert torch.allclose(conv(x), expected, atol=1e-6)
    assert conv.conv_s.kernel_size == (1, 3, 3) and conv.conv_t.kernel_size == (3, 1, 1)
    module = ConvModule(2, 3, 3, 1, 1, bias=False, conv_cfg=dict(type="Conv2plus1d"),
                        norm_cfg=dict(type="BN3d", eps=1e-3), dims=3)
    assert module.conv.bn_s.eps == 1e-5 and module.bn.eps == 1e-3  # bn_s has its own default norm


def test_no_pool2_and_bad_arguments():
    model = BACKBONES.build(dict(TINY, with_pool2=True)).eval()
    out = model(torch.randn(1, 3, 8, 32, 32))
    assert out.shape == (1, 32, 1, 1, 1)  # T 8 → 8, 4, 2, 1: the stage strides only
    with pytest.raises(ValueError, match="pretrained2d=False"):
        BACKBONES.build(dict(TINY, pretrained2d=True))
    with pytest.raises(ValueError, match="conv_cfg must be dict\\(type='Conv2plus1d'\\)"):
        BACKBONES.build(dict(TINY, conv_cfg=dict(type="Conv3d")))


def test_a_training_step_and_a_multi_view_test():
    torch.manual_seed(0)
    model = build_model(dict(type="Recognizer3D", backbone=TINY,
                             cls_head=dict(type="I3DHead", num_classes=3, in_channels=32),
                             test_cfg=dict(average_clips="prob")))
    model.init_weights()
    scores = np.asarray(model.eval()(torch.randn(1, 3, 3, 8, 32, 32), return_loss=False))
    assert scores.shape == (1, 3) and np.isclose(scores.sum(), 1.0, atol=1e-5)
    optimizer = torch.optim.SGD(model.train().parameters(), lr=0.01)
    losses = model(torch.randn(2, 1, 3, 8, 32, 32), torch.tensor([[0], [2]]), return_loss=True)
    losses["loss_cls"].backward()
    optimizer.step()
    assert torch.isfinite(losses["loss_cls"]) and model.backbone.layer1[0].conv1.conv.conv_t.weight.grad is not None
