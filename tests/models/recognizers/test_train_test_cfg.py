"""`train_cfg` (blending, aux_info) and `test_cfg` (max_testing_views, feature_extraction) and their key checks."""
import numpy as np
import pytest
import torch

from vidrun.config import Config, ConfigError
from vidrun.datasets import MixupBlending
from vidrun.models.builder import build_model


def tsn(tiny, train_cfg=None, test_cfg=None, **head):
    return build_model(dict(type="Recognizer2D", backbone=dict(type=tiny["b2d"]),
                            cls_head=dict(type="TSNHead", num_classes=3, in_channels=4, dropout_ratio=0, **head),
                            train_cfg=train_cfg, test_cfg=test_cfg))


def i3d(tiny, train_cfg=None, test_cfg=None):
    return build_model(dict(type="Recognizer3D", backbone=dict(type=tiny["b3d"]),
                            cls_head=dict(type="I3DHead", num_classes=3, in_channels=4, dropout_ratio=0),
                            train_cfg=train_cfg, test_cfg=test_cfg))


@pytest.mark.parametrize("kind", ["MixupBlending", "CutmixBlending"])
def test_blending_gives_soft_labels_to_the_loss_and_logs_no_accuracy(tiny, kind):
    torch.manual_seed(0)
    model = tsn(tiny, train_cfg=dict(blending=dict(type=kind, num_classes=3, alpha=0.2)))
    batch = dict(imgs=torch.randn(4, 2, 3, 8, 8), label=torch.tensor([[0], [1], [2], [1]]))
    torch.manual_seed(5)
    out = model.train_step(dict(batch), None)
    assert set(out["log_vars"]) == {"loss_cls", "loss"}  # MMAction2 logs no top-k for soft labels

    torch.manual_seed(5)  # the same draws by hand: blend, then the soft-label cross entropy
    imgs, soft = model.blending(batch["imgs"], batch["label"])
    scores = model.cls_head(model.backbone(imgs.flatten(0, 1)), 2)
    expected = -(soft.squeeze(1) * scores.log_softmax(1)).sum(1).mean()
    assert out["loss"].item() == pytest.approx(expected.item(), rel=1e-6)


def test_blending_in_recognizer3d_with_several_clips(tiny):
    model = i3d(tiny, train_cfg=dict(blending=dict(type="MixupBlending", num_classes=3)))
    losses = model(torch.randn(2, 3, 3, 2, 6, 6), torch.tensor([[0], [2]]))
    assert set(losses) == {"loss_cls"} and losses["loss_cls"].shape == ()
    assert isinstance(model.blending, MixupBlending) and model.blending.alpha == 0.2


def test_without_blending_hard_labels_keep_their_accuracies(tiny):
    model = tsn(tiny)
    assert model.blending is None
    losses = model(torch.randn(2, 2, 3, 8, 8), torch.tensor([[0], [2]]))
    assert {"top1_acc", "top5_acc"} <= set(losses)


def test_aux_info_entries_reach_the_loss(tiny):
    model = tsn(tiny, train_cfg=dict(aux_info=["reduction"]))
    imgs, label = torch.randn(2, 2, 3, 8, 8), torch.tensor([[0], [2]])
    # `reduction` goes on through the head to the loss: summed over two videos it is twice the mean.
    mean = model(imgs, label, reduction="mean", img_metas=[{}, {}])["loss_cls"]
    total = model(imgs, label, reduction="sum")["loss_cls"]
    assert torch.isclose(total, 2 * mean)
    with pytest.raises(KeyError, match=r"aux_info names \['reduction'\].*Collect"):
        model(imgs, label)


def test_max_testing_views_splits_the_clips_and_keeps_the_scores(tiny):
    torch.manual_seed(0)
    whole = i3d(tiny, test_cfg=dict(average_clips="score")).eval()
    split = i3d(tiny, test_cfg=dict(average_clips="score", max_testing_views=3)).eval()
    split.load_state_dict(whole.state_dict())
    calls = []
    split.backbone.register_forward_hook(lambda module, args, out: calls.append(args[0].shape[0]))
    imgs = torch.randn(2, 4, 3, 2, 6, 6)
    np.testing.assert_allclose(split(imgs, return_loss=False), whole(imgs, return_loss=False), atol=1e-6)
    assert calls == [3, 3, 2]


def test_feature_extraction_returns_pooled_backbone_features(tiny):
    torch.manual_seed(0)
    model = i3d(tiny, test_cfg=dict(feature_extraction=True)).eval()
    imgs = torch.randn(2, 3, 3, 2, 6, 6)
    feats = model(imgs, return_loss=False)
    with torch.no_grad():
        expected = model.backbone(imgs.flatten(0, 1)).mean(dim=(2, 3, 4)).view(2, 3, 4).mean(1)
    assert feats.shape == (2, 4)
    np.testing.assert_allclose(feats, expected.numpy(), atol=1e-6)
    model2d = tsn(tiny, test_cfg=dict(feature_extraction=True)).eval()
    imgs = torch.randn(2, 5, 3, 8, 8)
    with torch.no_grad():
        expected = model2d.backbone(imgs.flatten(0, 1)).mean(dim=(2, 3)).view(2, 5, 4).mean(1)
    np.testing.assert_allclose(model2d(imgs, return_loss=False), expected.numpy(), atol=1e-6)


def test_unknown_keys_name_the_path_the_line_and_the_closest_key(tiny, tmp_path):
    path = tmp_path / "cfg.py"
    path.write_text("model = dict(\n    type='Recognizer2D',\n    train_cfg=dict(blendng=dict(type='MixupBlending',"
                    " num_classes=3)),\n    test_cfg=dict(average_clips='prob'))\n"
                    "test_cfg = dict(max_testing_view=2)\n")
    cfg = Config.fromfile(str(path))
    model_cfg = dict(cfg.model, backbone=dict(type=tiny["b2d"]),
                     cls_head=dict(type="TSNHead", num_classes=3, in_channels=4))
    with pytest.raises(ConfigError, match=r"model\.train_cfg\.blendng \(.*cfg\.py:3\).*did you mean 'blending'"):
        build_model(model_cfg)
    with pytest.raises(ConfigError, match=r"test_cfg\.max_testing_view \(.*cfg\.py:5\).*'max_testing_views'"):
        build_model(dict(model_cfg, train_cfg=None, test_cfg=None), test_cfg=cfg.test_cfg)


@pytest.mark.parametrize("train_cfg, test_cfg, error, words", [
    (None, dict(fcn_test=True), ValueError, "I3DHead has no fully convolutional test"),
    (dict(aux_info="weight"), None, ValueError, "aux_info must be a list"),
    (None, dict(max_testing_views=0), ValueError, "max_testing_views must be a positive int"),
    (dict(blending=dict(type="Mixup", num_classes=3)), None, ConfigError, "'Mixup' is not in BLENDINGS"),
])
def test_bad_settings_are_refused_by_name(tiny, train_cfg, test_cfg, error, words):
    with pytest.raises(error, match=words):
        i3d(tiny, train_cfg=train_cfg, test_cfg=test_cfg)


def test_max_testing_views_is_refused_for_2d_models(tiny):
    with pytest.raises(ValueError, match="max_testing_views is read by Recognizer3D only"):
        tsn(tiny, test_cfg=dict(max_testing_views=2))
