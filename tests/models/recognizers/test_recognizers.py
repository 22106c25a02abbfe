import numpy as np
import pytest
import torch

from vidrun.models.builder import build_model
from vidrun.models.recognizers.base import parse_losses


def tsn(tiny, **test_cfg):
    return build_model(dict(type="Recognizer2D", backbone=dict(type=tiny["b2d"]),
                            cls_head=dict(type="TSNHead", num_classes=5, in_channels=4, dropout_ratio=0),
                            test_cfg=test_cfg or None))


def test_recognizer2d_trains_with_losses_and_accuracies(tiny):
    torch.manual_seed(0)
    model = tsn(tiny)
    batch = dict(imgs=torch.randn(2, 3, 3, 8, 8), label=torch.tensor([[1], [4]]))
    out = model.train_step(batch, None)
    assert set(out["log_vars"]) == {"loss_cls", "top1_acc", "top5_acc", "loss"}
    assert out["num_samples"] == 2 and out["loss"].requires_grad
    assert out["log_vars"]["top5_acc"] == 1.0  # 5 classes: every label is in the top 5
    out["loss"].backward()
    assert model.backbone.conv.weight.grad is not None


def test_tsn_test_averages_all_views_into_one_score_per_video(tiny):
    torch.manual_seed(0)
    model = tsn(tiny).eval()
    imgs = torch.randn(2, 10, 3, 8, 8)
    scores = model(imgs, return_loss=False)
    assert isinstance(scores, np.ndarray) and scores.shape == (2, 5)
    assert np.allclose(scores.sum(1), 1.0)  # 'prob' by default: a probability per class
    permuted = model(imgs[:, torch.randperm(10)], return_loss=False)
    assert np.allclose(scores, permuted, atol=1e-6)  # frame averaging ignores order


@pytest.mark.parametrize("average", ["prob", "score", None])
def test_recognizer3d_averages_views_as_test_cfg_says(tiny, average):
    torch.manual_seed(0)
    model = build_model(dict(type="Recognizer3D", backbone=dict(type=tiny["b3d"]),
                             cls_head=dict(type="I3DHead", num_classes=3, in_channels=4, dropout_ratio=0),
                             test_cfg=dict(average_clips=average))).eval()
    imgs = torch.randn(2, 4, 3, 2, 6, 6)
    scores = model(imgs, return_loss=False)
    with torch.no_grad():
        per_view = model.cls_head(model.backbone(imgs.flatten(0, 1)))
    if average is None:
        assert scores.shape == (8, 3) and np.allclose(scores, per_view.numpy(), atol=1e-6)
    elif average == "score":
        assert np.allclose(scores, per_view.view(2, 4, 3).mean(1).numpy(), atol=1e-6)
    else:
        assert np.allclose(scores, per_view.view(2, 4, 3).softmax(2).mean(1).numpy(), atol=1e-6)


def test_recognizer3d_training_with_several_clips_repeats_the_label(tiny):
    model = build_model(dict(type="Recognizer3D", backbone=dict(type=tiny["b3d"]),
                             cls_head=dict(type="I3DHead", num_classes=3, in_channels=4)))
    losses = model(torch.randn(2, 2, 3, 2, 6, 6), torch.tensor([[0], [2]]))
    assert losses["loss_cls"].shape == () and 0 <= float(losses["top1_acc"]) <= 1


def test_tsm_head_groups_frames_by_its_own_segments(tiny):
    torch.manual_seed(0)
    model = build_model(dict(type="Recognizer2D", backbone=dict(type=tiny["b2d"]),
                             cls_head=dict(type="TSMHead", num_classes=3, in_channels=4, num_segments=4,
                                           dropout_ratio=0), test_cfg=dict(average_clips="score"))).eval()
    imgs = torch.randn(1, 8, 3, 6, 6)  # two views of 4 segments
    with torch.no_grad():
        frames = model.cls_head.fc_cls(model.backbone(imgs[0]).mean((2, 3)))
    assert np.allclose(model(imgs, return_loss=False), frames.mean(0, keepdim=True).numpy(), atol=1e-6)


def test_bad_inputs_and_configs_are_clear(tiny):
    model = tsn(tiny)
    with pytest.raises(ValueError, match=r"Recognizer2D takes imgs of shape \[N, views, C, H, W\]"):
        model(torch.randn(2, 3, 8, 8), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="label is needed"):
        model(torch.randn(1, 1, 3, 8, 8))
    with pytest.raises(ValueError, match="average_clips must be one of"):
        tsn(tiny, average_clips="mean")
    with pytest.raises(ValueError, match="'X' is not in NECKS"):
        build_model(dict(type="Recognizer2D", backbone=dict(type=tiny["b2d"]), neck=dict(type="X"),
                         cls_head=dict(type="TSNHead", num_classes=2, in_channels=4)))
    with pytest.raises(ValueError, match="test_cfg is set both"):
        build_model(dict(type="Recognizer2D", backbone=dict(type=tiny["b2d"]), test_cfg=dict(average_clips=None),
                         cls_head=dict(type="TSNHead", num_classes=2, in_channels=4)), test_cfg=dict())


def test_parse_losses_sums_loss_terms_only():
    loss, log_vars = parse_losses(dict(loss_cls=torch.tensor(1.5), loss_aux=torch.tensor([0.5, 1.5]),
                                       top1_acc=torch.tensor(0.25)))
    assert float(loss) == 2.5 and log_vars == dict(loss_cls=1.5, loss_aux=1.0, top1_acc=0.25, loss=2.5)
    with pytest.raises(ValueError, match="no loss term"):
        parse_losses(dict(top1_acc=torch.tensor(1.0)))
