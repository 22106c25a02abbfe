"""Every model of MMAction2 0.24.1's `i3d`, `slowonly`, `slowfast`, `csn` and `r2plus1d` configs trains a step
and tests several views on a small random clip: the copied configs as they load from `configs/recognition/`,
the CSN ones (not copied, see docs/configs.md) from MMAction2's recorded `cfg.model`. Each distinct model once."""
import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from vidrun import Config
from vidrun.models import build_model

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("i3d", "slowonly", "slowfast", "csn", "r2plus1d")
REFERENCES = [ROOT / "tests/models/reference_state_dicts", ROOT / "tests/models/reference_state_dicts_zoo3d"]


def single_process(cfg):
    """`cfg` with SyncBN (R(2+1)D's base) as BN3d, so one process can train it; `pretrained` set to None."""
    if isinstance(cfg, dict):
        out = {k: (None if k == "pretrained" else single_process(v)) for k, v in cfg.items()}
        if out.get("type") == "SyncBN":
            out["type"] = "BN3d"
        return out
    return cfg


def models():
    found = {}
    for folder in FOLDERS:
        for path in sorted((ROOT / "configs/recognition" / folder).rglob("*.py")):
            model = Config.fromfile(str(path)).model.to_dict()
            found.setdefault(json.dumps(single_process(model), sort_keys=True), path.name)
    for directory in REFERENCES:
        for ref in (json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))):
            for model_cfg in ref["model_cfgs"]:
                if any(c.startswith("recognition/csn/") for c in model_cfg["configs"]):
                    name = model_cfg["configs"][0].split("/")[-1]
                    found.setdefault(json.dumps(single_process(model_cfg["model"]), sort_keys=True), name)
    return sorted((name, json.loads(key)) for key, name in found.items())


MODELS = models()


def test_every_family_is_there():
    names = " ".join(name for name, _ in MODELS)
    assert all(family in names for family in ("i3d_", "slowonly_", "slowfast_", "csn_", "r2plus1d_"))
    assert "_nl_" in names


@pytest.mark.slow  # 23 full-size models (R50 to R152): about 2 minutes on 2 free cores
@pytest.mark.parametrize("name, model_cfg", MODELS, ids=[name.removesuffix(".py") for name, _ in MODELS])
def test_a_training_step_and_a_multi_view_test(name, model_cfg):
    torch.manual_seed(0)
    model_cfg = copy.deepcopy(model_cfg)
    model_cfg["cls_head"]["num_classes"] = 5
    model = build_model(model_cfg)
    model.init_weights()
    frames = 16  # a multiple of every resample_rate (SlowFast: 4, 8, 16 frames per slow step)
    views = torch.randn(1, 2, 3, frames, 32, 32)
    scores = np.asarray(model.eval()(views, return_loss=False))
    # Shape only: an untrained model in eval mode (running statistics 0 and 1) can overflow, e.g. the
    # unnormalised dot-product non-local blocks of I3D-NL under Kaiming init, in MMAction2 as here.
    assert scores.shape == (1, 5)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.001)
    losses = model.train()(torch.randn(2, 1, 3, frames, 32, 32), torch.tensor([[1], [4]]), return_loss=True)
    optimizer.zero_grad()
    losses["loss_cls"].backward()
    optimizer.step()
    assert torch.isfinite(losses["loss_cls"])
