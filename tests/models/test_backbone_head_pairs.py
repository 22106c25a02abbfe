"""Every backbone with its head, as the model configs pair them: a training step and a multi-view test."""
import numpy as np
import pytest
import torch

from vidrun.models import build_model

PAIRS = {
    "tsn": (dict(type="Recognizer2D", backbone=dict(type="ResNet", depth=18),
                 cls_head=dict(type="TSNHead", num_classes=5, in_channels=512)), (3, 3, 32, 32), (2 * 25, 3, 32, 32)),
    "tsm": (dict(type="Recognizer2D", backbone=dict(type="ResNetTSM", depth=18, num_segments=4),
                 cls_head=dict(type="TSMHead", num_classes=5, in_channels=512, num_segments=4)),
            (4, 3, 32, 32), (2 * 4, 3, 32, 32)),
    "i3d": (dict(type="Recognizer3D", backbone=dict(type="ResNet3d", depth=18, base_channels=8),
                 cls_head=dict(type="I3DHead", num_classes=5, in_channels=64)), (1, 3, 8, 32, 32), (3, 3, 8, 32, 32)),
    "slowonly": (dict(type="Recognizer3D", backbone=dict(type="ResNet3dSlowOnly", depth=18, base_channels=8),
                      cls_head=dict(type="I3DHead", num_classes=5, in_channels=64)),
                 (1, 3, 4, 32, 32), (3, 3, 4, 32, 32)),
    "x3d": (dict(type="Recognizer3D", backbone=dict(type="X3D", gamma_w=1, gamma_b=2.25, gamma_d=2.2),
                 cls_head=dict(type="X3DHead", num_classes=5, in_channels=432)), (1, 3, 4, 32, 32), (2, 3, 4, 32, 32)),
    "c3d": (dict(type="Recognizer3D", backbone=dict(type="C3D"),
                 cls_head=dict(type="I3DHead", num_classes=5, in_channels=4096, spatial_type=None)),
            (1, 3, 16, 112, 112), (2, 3, 16, 112, 112)),
}


@pytest.mark.parametrize("name", PAIRS)
def test_train_step_and_multi_view_test(name):
    cfg, train_view, test_views = PAIRS[name]
    torch.manual_seed(0)
    model = build_model(cfg)
    batch = dict(imgs=torch.randn(2, *train_view), label=torch.tensor([[1], [3]]))
    out = model.train_step(batch, None)
    assert out["loss"].shape == () and torch.isfinite(out["loss"]) and out["num_samples"] == 2
    out["loss"].backward()
    assert all(p.grad is not None for p in model.cls_head.parameters())
    model.eval()
    scores = model(torch.randn(2, *test_views), return_loss=False)
    assert scores.shape == (2, 5) and np.allclose(scores.sum(1), 1.0, atol=1e-5)
