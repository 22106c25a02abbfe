"""`DistributedDataParallelWrapper` and `convert_sync_batchnorm` in a real one-process Gloo group."""
import logging
import socket

import pytest
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from vidrun.models import build_model
from vidrun.runner import EpochBasedRunner
from vidrun.runner.checkpoint import read_checkpoint
from vidrun.runner.distributed import DistributedDataParallelWrapper, convert_sync_batchnorm

MODEL = dict(type="Recognizer3D",
             backbone=dict(type="ResNet3d", depth=18, base_channels=4, pretrained=None, conv1_stride_t=1,
                           pool1_stride_t=1, with_pool2=False),
             cls_head=dict(type="I3DHead", num_classes=3, in_channels=32, dropout_ratio=0.0))


@pytest.fixture
def process_group():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()


def batch():
    return {"imgs": torch.randn(2, 1, 3, 4, 16, 16), "label": torch.tensor([0, 2])}


def test_train_step_runs_the_forward_through_ddp(process_group, monkeypatch):
    torch.manual_seed(0)
    model = build_model(MODEL)
    wrapped = DistributedDataParallelWrapper(model)
    forwards = []
    ddp_forward = DistributedDataParallel.forward
    monkeypatch.setattr(DistributedDataParallel, "forward",
                        lambda self, *a, **k: forwards.append(k.keys()) or ddp_forward(self, *a, **k))
    data = batch()
    for _ in range(2):  # a second forward fails in DDP if the first one's gradient reduction did not finish
        outputs = wrapped.train_step(data, None)
        outputs["loss"].backward()
    assert len(forwards) == 2
    expected = model.train_step(data, None)
    assert outputs["log_vars"] == pytest.approx(expected["log_vars"])
    assert outputs["num_samples"] == expected["num_samples"] == 2
    assert wrapped.val_step(data, None)["log_vars"] == pytest.approx(expected["log_vars"])


def test_a_model_without_step_outputs_is_refused(toy_model):
    with pytest.raises(TypeError, match="ToyModel has no step_outputs"):
        DistributedDataParallelWrapper(toy_model)


def test_checkpoints_of_the_wrapped_model_have_its_own_keys(process_group, tmp_path, quiet_logger):
    model = build_model(MODEL)
    runner = EpochBasedRunner(DistributedDataParallelWrapper(model), torch.optim.SGD(model.parameters(), lr=0.1),
                              str(tmp_path), quiet_logger, max_epochs=1)
    assert runner.model_name == "Recognizer3D"
    checkpoint = read_checkpoint(runner.save_checkpoint(str(tmp_path)))
    assert list(checkpoint["state_dict"]) == list(model.state_dict())
    assert checkpoint["meta"]["world_size"] == 1


def test_sync_batchnorm_refuses_cpu_tensors_so_sync_bn_warns_on_the_cpu(process_group, caplog):
    # The finding behind convert_sync_batchnorm's CPU fallback (torch 2.13, Gloo).
    with pytest.raises(ValueError, match="SyncBatchNorm expected input tensor to be on GPU"):
        torch.nn.SyncBatchNorm(3).train()(torch.randn(2, 3, 4, 4))
    model = build_model(MODEL)
    with caplog.at_level(logging.WARNING, logger="vidrun.tests.sync_bn"):
        assert convert_sync_batchnorm(model, logging.getLogger("vidrun.tests.sync_bn")) is model
    assert "SyncBatchNorm runs on GPUs only" in caplog.text
    assert not any(isinstance(m, torch.nn.SyncBatchNorm) for m in model.modules())
