"""Inference on single videos: `init_recognizer` and `inference_recognizer` (MMAction2's API names)."""
from __future__ import annotations

import os

import numpy as np
import torch
from torch import nn

from vidrun.config import Config, parse_cfg_options
from vidrun.datasets.pipelines import Compose
from vidrun.models import build_model
from vidrun.apis.test import load_test_weights


def init_recognizer(config: str | Config, checkpoint: str | None = None, device: str = "cpu",
                    cfg_options: list[str] | None = None) -> nn.Module:
    """A recognizer in eval mode on `device`, weights from `checkpoint` (the EMA-averaged ones of a checkpoint
    that records where they are, as `vidrun test` takes them), loaded strictly: weights that do not fit the
    model are a `WeightsMismatchError` listing the mismatch by module (`load_test_weights`); its config is kept
    as `model.cfg`."""
    cfg = config if isinstance(config, Config) else Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(parse_cfg_options(cfg_options))
    model = build_model(cfg.model, test_cfg=cfg.get("test_cfg"))
    if checkpoint is not None:
        load_test_weights(model, checkpoint)
    model.cfg = cfg
    return model.to(device).eval()


def inference_recognizer(model: nn.Module, video: str) -> list[tuple[int, float]]:
    """(class index, score) for every class, best first, for one video file read with the config's test
    pipeline (its views averaged as the model's `test_cfg` says)."""
    if not os.path.isfile(video):
        raise FileNotFoundError(f"video not found: {video}")
    pipeline = Compose(model.cfg.data.test.pipeline)
    sample = pipeline(dict(filename=video, label=-1, start_index=0, modality="RGB"))
    device = next(model.parameters()).device
    with torch.no_grad():
        scores = model(sample["imgs"][None].to(device), return_loss=False)
    scores = np.asarray(scores).reshape(-1, np.asarray(scores).shape[-1]).mean(axis=0)  # rows: views when unmerged
    order = np.argsort(-scores, kind="stable")
    return [(int(i), float(scores[i])) for i in order]


def read_label_map(path: str) -> list[str]:
    """Class names, one a line (line i names class i), as `classes.txt` of the demo set."""
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]
