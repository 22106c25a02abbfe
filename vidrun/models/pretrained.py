"""Pretrained weights come from local files only: nothing is downloaded at run time."""
from __future__ import annotations

import logging

from torch import nn

from vidrun.runner.checkpoint import load_state_dict, read_checkpoint, revise_state_dict_keys

REMOTE = ("torchvision://", "http://", "https://", "open-mmlab://", "mmcls://", "modelzoo://")


def check_local(path: str, owner: str) -> str:
    """`path` itself, or a ValueError saying how to get the weights when it names a remote source."""
    if str(path).startswith(REMOTE):
        raise ValueError(f"{owner}: pretrained={path!r} names a download; vidrun loads weights from local files "
                         f"only. Save the weights to a file (e.g. torch.save(model.state_dict(), 'resnet50.pth') "
                         f"on a machine that has them) and set pretrained to its path")
    return str(path)


def read_weights(path: str, owner: str) -> dict:
    """The state dict in a local file: a bare state dict or a checkpoint's `state_dict` (a `module.` or
    `backbone.` prefix, as training scripts leave, is removed)."""
    state_dict = read_checkpoint(check_local(path, owner))["state_dict"]
    return revise_state_dict_keys(state_dict, ((r"^module\.", ""), (r"^backbone\.", "")))


def load_pretrained(module: nn.Module, path: str, owner: str, logger: logging.Logger | None = None) -> None:
    """Load a local weights file into `module`, reporting missing and unexpected keys (not strict)."""
    load_state_dict(module, read_weights(path, owner), strict=False, logger=logger, source=str(path))
