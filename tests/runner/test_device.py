"""Moving batches to the model's device: structure kept, tensors moved, everything else untouched."""
import torch
from torch import nn

from vidrun.runner.device import model_device, to_device, training_device


def test_to_device_moves_tensors_inside_dicts_lists_and_tuples():
    imgs, label = torch.zeros(2, 3), torch.tensor([1, 2])
    batch = {"imgs": imgs, "label": label, "img_metas": [{"filename": "a.mp4"}], "pair": (imgs, "x")}
    moved = to_device(batch, torch.device("cpu"))
    assert moved["imgs"] is imgs and moved["label"] is label  # already there: not copied
    assert moved["img_metas"] == [{"filename": "a.mp4"}]
    assert isinstance(moved["pair"], tuple) and moved["pair"][0] is imgs and moved["pair"][1] == "x"


def test_to_device_to_the_meta_device_converts_every_tensor():
    moved = to_device({"imgs": torch.zeros(2), "nested": [torch.ones(1)]}, torch.device("meta"))
    assert moved["imgs"].is_meta and moved["nested"][0].is_meta


def test_model_device_is_the_first_parameters_or_the_cpu():
    assert model_device(nn.Linear(2, 2).to("meta")) == torch.device("meta")
    assert model_device(nn.ReLU()) == torch.device("cpu")


def test_training_device_is_the_cpu_without_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert training_device() == torch.device("cpu")
