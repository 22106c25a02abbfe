"""`parse_losses` in a process group: the logged values are the mean over the processes, from one all-reduce;
the loss returned for backward stays the process's own."""
import pytest
import torch

from vidrun.models.recognizers import base


def test_logged_values_are_averaged_over_processes_with_one_all_reduce(monkeypatch):
    calls = []

    def all_reduce(tensor):  # another process that logged loss_cls 3.0, top1_acc 0.0, loss 3.0
        calls.append(tensor.clone())
        tensor += torch.tensor([3.0, 0.0, 3.0])

    monkeypatch.setattr(base, "is_distributed", lambda: True)
    monkeypatch.setattr(base.dist, "all_reduce", all_reduce)
    monkeypatch.setattr(base.dist, "get_world_size", lambda: 2)
    loss, log_vars = base.parse_losses(dict(loss_cls=torch.tensor([1.0, 2.0]), top1_acc=torch.tensor(1.0)))
    assert len(calls) == 1
    assert float(loss) == pytest.approx(1.5)
    assert log_vars == {"loss_cls": pytest.approx(2.25), "top1_acc": pytest.approx(0.5), "loss": pytest.approx(2.25)}


def test_outside_a_process_group_nothing_is_reduced(monkeypatch):
    monkeypatch.setattr(base.dist, "all_reduce", lambda tensor: pytest.fail("all_reduce outside a group"))
    _, log_vars = base.parse_losses(dict(loss_cls=torch.tensor(0.5)))
    assert log_vars == {"loss_cls": 0.5, "loss": 0.5}
