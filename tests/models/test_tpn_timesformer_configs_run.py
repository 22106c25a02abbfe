"""Every shipped TPN and TimeSformer config's model runs: a training step (losses, backward) and a multi-view
test on a small random input laid out as the config's pipeline lays it out: 16×16 pixels (TPN; its levels are
then 1×1), TimeSformer built at 32×32 pixels and 2 frames (its position embeddings follow `img_size`; the
full-size keys are pinned in test_reference_keys_tpn_timesformer.py). One config per distinct model
(`tpn_imagenet_pretrained_slowonly_*` builds the same model as `tpn_slowonly_*`). Marked slow: ResNet-50 with
TPN and ViT-B are some 90-120 M parameters."""
from pathlib import Path

import numpy as np
import pytest
import torch

from vidrun import Config
from vidrun.models import build_model

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p.relative_to(ROOT).as_posix() for folder in ("tpn", "timesformer")
                 for p in (ROOT / "configs" / "recognition" / folder).glob("*.py"))
CONFIGS = [p for p in SHIPPED if "tpn_imagenet_pretrained_slowonly" not in p]


def small_model(cfg):
    model_cfg = cfg.model.to_dict()
    if model_cfg["backbone"]["type"] == "TimeSformer":
        model_cfg["backbone"].update(img_size=32, num_frames=2)
    return build_model(model_cfg)


def random_input(cfg, videos: int, views: int) -> torch.Tensor:
    """[videos, views, 3, T, S, S] for 'NCTHW' (T = the config's clip_len, 2 for TimeSformer here), or
    [videos, views·num_clips, 3, S, S] for 'NCHW'."""
    sample = next(step for step in cfg.data.train.pipeline if step["type"] == "SampleFrames")
    if cfg.model.type == "Recognizer2D":
        return torch.randn(videos, views * sample["num_clips"], 3, 16, 16)
    if cfg.model.backbone.type == "TimeSformer":
        return torch.randn(videos, views, 3, 2, 32, 32)
    return torch.randn(videos, views, 3, sample["clip_len"], 16, 16)


def test_both_folders_are_shipped():
    assert len(SHIPPED) == 6 and len(CONFIGS) == 5


@pytest.mark.slow
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: Path(p).stem)
def test_config_model_trains_one_step_and_tests_several_views(path):
    cfg = Config.fromfile(str(ROOT / path))
    torch.manual_seed(0)
    model = small_model(cfg).train()
    num_classes = model.cls_head.num_classes
    out = model.train_step(dict(imgs=random_input(cfg, 2, 1), label=torch.tensor([[1], [num_classes - 1]])))
    out["loss"].backward()
    expected_terms = {"loss_cls"} | ({"loss_aux"} if model.neck is not None else set())
    assert expected_terms <= set(out["log_vars"]) and np.isfinite(out["log_vars"]["loss"])
    assert all(p.grad is not None for p in model.cls_head.parameters())
    model.eval()
    scores = model(random_input(cfg, 1, 2), return_loss=False)  # two views (clips, or fcn_test's clips)
    assert scores.shape == (1, num_classes)
    np.testing.assert_allclose(scores.sum(), 1.0, rtol=1e-5)  # 'prob': a mean of softmaxes
