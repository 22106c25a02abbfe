"""ResNet3dSlowFast and SlowFastHead on small inputs: which frames each pathway sees, the lateral connections,
the head's feature order, a training step and a multi-view test through Recognizer3D."""
import numpy as np
import pytest
import torch

from vidrun.models import BACKBONES, HEADS, build_model
from vidrun.models.backbones.resnet3d_slowfast import ResNet3dPathway

TINY = dict(type="ResNet3dSlowFast", pretrained=None, resample_rate=4, speed_ratio=2, channel_ratio=2,
            slow_pathway=dict(type="resnet3d", depth=18, pretrained=None, lateral=True, base_channels=8,
                              conv1_kernel=(1, 7, 7), conv1_stride_t=1, pool1_stride_t=1, inflate=(0, 0, 1, 1),
                              fusion_kernel=3),
            fast_pathway=dict(type="resnet3d", depth=18, pretrained=None, lateral=False, base_channels=4,
                              conv1_kernel=(3, 7, 7), conv1_stride_t=1, pool1_stride_t=1))


@pytest.fixture(scope="module")
def backbone():
    torch.manual_seed(0)
    model = BACKBONES.build(TINY)
    model.init_weights()
    return model.eval()


def test_pathways_see_every_tau_th_and_every_tau_over_alpha_th_frame(backbone):
    x = torch.randn(1, 3, 8, 32, 32)
    with torch.no_grad():
        slow, fast = backbone(x)
        # restated: slow frames 0, 4 (τ = 4); fast frames 0, 2, 4, 6 (τ / α = 2); laterals concatenated
        sp, fp = backbone.slow_path, backbone.fast_path
        s, f = sp.maxpool(sp.conv1(x[:, :, ::4])), fp.maxpool(fp.conv1(x[:, :, ::2]))
        s = torch.cat((s, sp.conv1_lateral(f)), 1)
        for i in range(4):
            s, f = getattr(sp, f"layer{i + 1}")(s), getattr(fp, f"layer{i + 1}")(f)
            if i < 3:
                s = torch.cat((s, getattr(sp, f"layer{i + 1}_lateral")(f)), 1)
    assert torch.allclose(slow, s) and torch.allclose(fast, f)
    assert slow.shape == (1, 64, 2, 1, 1) and fast.shape == (1, 32, 4, 1, 1)
    assert sp.layer1[0].conv1.conv.in_channels == 8 + 8  # own 8 channels + the lateral's 2·8/β
    assert sp.conv1_lateral.conv.stride == (2, 1, 1) and sp.conv1_lateral.conv.kernel_size == (3, 1, 1)


def test_lateral_connections_are_mmaction2s_modules():
    pathway = ResNet3dPathway(depth=50, lateral=True, speed_ratio=4, channel_ratio=8, fusion_kernel=7,
                              lateral_norm=True)
    assert pathway.lateral_connections == ["layer1_lateral", "layer2_lateral", "layer3_lateral"]
    keys = [k for k in pathway.state_dict() if "lateral" in k]
    assert keys[:3] == ["conv1_lateral.conv.weight", "conv1_lateral.bn.weight", "conv1_lateral.bn.bias"]
    assert pathway.layer3_lateral.conv.weight.shape == (256, 128, 7, 1, 1)


def test_frozen_stages_freeze_their_laterals_too():
    model = BACKBONES.build(dict(TINY, slow_pathway=dict(TINY["slow_pathway"], frozen_stages=1)))
    slow = model.slow_path
    assert not any(p.requires_grad for p in slow.layer1_lateral.parameters())
    assert all(p.requires_grad for p in slow.layer2_lateral.parameters())


def test_head_joins_fast_then_slow():
    head = HEADS.build(dict(type="SlowFastHead", num_classes=3, in_channels=5, dropout_ratio=0.0))
    slow, fast = torch.randn(2, 3, 2, 2, 2), torch.randn(2, 2, 4, 2, 2)
    pooled = torch.cat((fast.mean(dim=(2, 3, 4)), slow.mean(dim=(2, 3, 4))), 1)
    expected = pooled @ head.fc_cls.weight.T + head.fc_cls.bias
    assert torch.allclose(head((slow, fast)), expected, atol=1e-6)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="resample_rate=6 must be a multiple of speed_ratio=4"):
        BACKBONES.build(dict(TINY, resample_rate=6, speed_ratio=4))
    with pytest.raises(ValueError, match="pathway type 'resnet2d' is not one of"):
        BACKBONES.build(dict(TINY, fast_pathway=dict(type="resnet2d")))


def test_a_training_step_and_a_multi_view_test():
    torch.manual_seed(0)
    model = build_model(dict(type="Recognizer3D", backbone=TINY,
                             cls_head=dict(type="SlowFastHead", num_classes=4, in_channels=96, dropout_ratio=0.5),
                             test_cfg=dict(average_clips="prob", max_testing_views=2)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = model(torch.randn(2, 1, 3, 8, 32, 32), torch.tensor([[1], [3]]), return_loss=True)
    losses["loss_cls"].backward()
    optimizer.step()
    model.eval()
    scores = model(torch.randn(1, 3, 3, 8, 32, 32), return_loss=False)  # 3 views, in 2 passes
    assert np.asarray(scores).shape == (1, 4) and np.allclose(np.asarray(scores).sum(), 1.0, atol=1e-5)


def test_feature_extraction_pools_and_joins_both_pathways():
    torch.manual_seed(0)
    model = build_model(dict(type="Recognizer3D", backbone=TINY,
                             cls_head=dict(type="SlowFastHead", num_classes=4, in_channels=96),
                             test_cfg=dict(feature_extraction=True))).eval()
    imgs = torch.randn(1, 2, 3, 8, 32, 32)
    feats = np.asarray(model(imgs, return_loss=False))
    with torch.no_grad():
        slow, fast = model.backbone(imgs[0])
    expected = torch.cat((slow.mean(dim=(2, 3, 4)), fast.mean(dim=(2, 3, 4))), 1).mean(0)  # (slow, fast)
    assert feats.shape == (1, 96) and np.allclose(feats[0], expected.numpy(), atol=1e-5)
