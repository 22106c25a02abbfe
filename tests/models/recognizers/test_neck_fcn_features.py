"""Recognizers with a neck (TPN): the auxiliary loss joins the training losses, multi-view and fully
convolutional (`fcn_test`) tests, and `feature_extraction` with and without a neck or a head."""
import numpy as np
import pytest
import torch
from torch import nn

from tests.models.necks.test_tpn import SMALL
from vidrun.models import build_model


class TwoLevels2D(nn.Module):
    """Two 'stages', [M, 32, 8, 8] and [M, 64, 4, 4], as a ResNet with out_indices=(2, 3) gives."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(3, 32, 3, 2, 1), nn.Conv2d(32, 64, 3, 2, 1)
        self.num_segments = 4

    def init_weights(self):
        pass

    def forward(self, x):
        a = torch.relu(self.c1(x))
        return a, torch.relu(self.c2(a))


class TwoLevels3D(TwoLevels2D):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv3d(3, 32, 3, (1, 2, 2), 1), nn.Conv3d(32, 64, 3, (1, 2, 2), 1)


HEAD = dict(type="TPNHead", num_classes=5, in_channels=2048, dropout_ratio=0.5)
NECK = dict(SMALL, temporal_modulation_cfg=dict(downsample_scales=(4, 4)))


def tpn(kind, test_cfg=None, neck=NECK, cls_head=HEAD):
    backbone = TwoLevels2D if kind == "Recognizer2D" else TwoLevels3D
    torch.manual_seed(0)
    return build_model(dict(type=kind, backbone=dict(type=backbone), neck=neck, cls_head=cls_head,
                            test_cfg=test_cfg))


@pytest.mark.parametrize("kind, shape", [("Recognizer2D", (2, 4, 3, 16, 16)), ("Recognizer3D", (2, 1, 3, 4, 16, 16))])
def test_training_step_adds_the_neck_aux_loss(kind, shape):
    model = tpn(kind).train()
    batch = dict(imgs=torch.randn(shape), label=torch.tensor([[1], [3]]))
    out = model.train_step(batch)
    logged = out["log_vars"]
    assert {"loss_aux", "loss_cls", "top1_acc"} <= set(logged)
    assert logged["loss"] == pytest.approx(logged["loss_aux"] + logged["loss_cls"], rel=1e-5)
    out["loss"].backward()
    assert model.neck.aux_head.fc.weight.grad.abs().sum() > 0 and model.backbone.c1.weight.grad is not None


def test_multi_view_test_3d_averages_the_views_and_chunks_alike():
    model = tpn("Recognizer3D").eval()
    chunked = tpn("Recognizer3D", test_cfg=dict(max_testing_views=2)).eval()
    chunked.load_state_dict(model.state_dict())
    imgs = torch.randn(1, 3, 3, 4, 16, 16)
    scores = model(imgs, return_loss=False)
    with torch.no_grad():
        per_view = model.cls_head(model.neck(model.backbone(imgs[0]))[0]).softmax(1).mean(0)
    np.testing.assert_allclose(scores[0], per_view.numpy(), atol=1e-6)
    np.testing.assert_allclose(chunked(imgs, return_loss=False), scores, atol=1e-5)


def test_fcn_test_2d_classifies_clips_of_num_segs_frames_and_averages_them():
    model = tpn("Recognizer2D").eval()
    fcn = tpn("Recognizer2D", test_cfg=dict(fcn_test=True)).eval()
    fcn.load_state_dict(model.state_dict())
    imgs = torch.randn(1, 8, 3, 16, 16)  # two clips of num_segments=4 frames (e.g. twice_sample)
    per_clip = model(imgs.reshape(2, 4, 3, 16, 16), return_loss=False)  # each clip a video, plain test
    assert per_clip.shape == (2, 5)
    np.testing.assert_allclose(fcn(imgs, return_loss=False)[0], per_clip.mean(0), atol=1e-6)
    flipped = tpn("Recognizer2D", test_cfg=dict(fcn_test=True, flip=True, num_segs=8)).eval()
    flipped.load_state_dict(model.state_dict())
    whole = model(torch.flip(imgs, [-1]), return_loss=False)  # num_segs=8: the 8 frames are one clip
    np.testing.assert_allclose(flipped(imgs, return_loss=False), whole, atol=1e-6)


def test_fcn_test_without_a_neck_stacks_the_frames_in_time():
    head = dict(HEAD, in_channels=64)
    model = tpn("Recognizer2D", test_cfg=dict(fcn_test=True, average_clips="score"), neck=None,
                cls_head=head).eval()
    model.backbone.forward = lambda x: TwoLevels2D.forward(model.backbone, x)[1]
    imgs = torch.randn(1, 8, 3, 16, 16)
    with torch.no_grad():
        feats = model.backbone(imgs[0]).mean(dim=(2, 3)).reshape(2, 4, 64).mean(1)
        expected = model.cls_head.fc_cls(feats).mean(0)
    np.testing.assert_allclose(model(imgs, return_loss=False)[0], expected.numpy(), atol=1e-5)


def test_fcn_test_is_checked_at_build():
    with pytest.raises(ValueError, match="TSNHead has no fully convolutional test"):
        tpn("Recognizer2D", test_cfg=dict(fcn_test=True), neck=None,
            cls_head=dict(type="TSNHead", num_classes=5, in_channels=64))
    with pytest.raises(ValueError, match="fcn_test and feature_extraction exclude each other"):
        tpn("Recognizer2D", test_cfg=dict(fcn_test=True, feature_extraction=True))
    model = tpn("Recognizer2D", test_cfg=dict(fcn_test=True, num_segs=3)).eval()
    with pytest.raises(ValueError, match="num_segs=3"):
        model(torch.randn(1, 8, 3, 16, 16), return_loss=False)


@pytest.mark.parametrize("kind, shape", [("Recognizer2D", (2, 4, 3, 16, 16)), ("Recognizer3D", (2, 2, 3, 4, 16, 16))])
def test_feature_extraction_with_a_neck_returns_the_pooled_neck_features(kind, shape):
    model = tpn(kind, test_cfg=dict(feature_extraction=True)).eval()
    imgs = torch.randn(shape)
    with torch.no_grad():
        if kind == "Recognizer2D":
            frames = model.backbone(imgs.flatten(0, 1))
            clips = [f.reshape(2, 4, *f.shape[1:]).transpose(1, 2) for f in frames]
            expected = model.neck(clips)[0].mean(dim=(2, 3, 4))
        else:
            expected = model.neck(model.backbone(imgs.flatten(0, 1)))[0].mean(dim=(2, 3, 4)).reshape(2, 2, -1).mean(1)
    feats = model(imgs, return_loss=False)
    assert feats.shape == (2, 2048)
    np.testing.assert_allclose(feats, expected.numpy(), atol=1e-5)


def test_feature_extraction_without_a_head_and_with_several_levels():
    model = tpn("Recognizer3D", test_cfg=dict(feature_extraction=True), neck=None, cls_head=None).eval()
    assert model.cls_head is None
    imgs = torch.randn(1, 2, 3, 4, 16, 16)
    with torch.no_grad():
        a, b = model.backbone(imgs[0])
        expected = torch.cat([a.mean(dim=(2, 3, 4)), b.mean(dim=(2, 3, 4))], 1).mean(0)
    np.testing.assert_allclose(model(imgs, return_loss=False)[0], expected.numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="has no cls_head"):
        model(imgs, torch.tensor([[1]]))
    with pytest.raises(ValueError, match="a cls_head is needed"):
        tpn("Recognizer3D", neck=None, cls_head=None)
