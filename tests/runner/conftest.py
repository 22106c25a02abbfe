"""A tiny real model and data set for driving runners: 4 features, 3 classes, dropout and noise so that
random generators matter (exact resume must reproduce them)."""
import logging

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset


class ToyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 8)
        self.norm = nn.BatchNorm1d(8)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(8, 3)

    def forward(self, imgs, label=None, return_loss=True):
        scores = self.head(self.dropout(torch.relu(self.norm(self.linear(imgs)))))
        if return_loss:
            return {"loss_cls": F.cross_entropy(scores, label)}
        return scores.softmax(-1)

    def _step(self, data_batch):
        losses = self(**data_batch)
        loss = sum(losses.values())
        log_vars = {name: float(value.detach()) for name, value in losses.items()}
        log_vars["loss"] = float(loss.detach())
        return {"loss": loss, "log_vars": log_vars, "num_samples": len(data_batch["imgs"])}

    def train_step(self, data_batch, optimizer):
        return self._step(data_batch)

    def val_step(self, data_batch, optimizer):
        return self._step(data_batch)


class ToyDataset(Dataset):
    """Points around three class centres, with fresh noise each time a sample is read (an augmentation)."""

    def __init__(self, size=24, seed=0):
        generator = torch.Generator().manual_seed(seed)
        self.labels = torch.arange(size) % 3
        centres = torch.tensor([[2.0, 0, 0, 1], [0, 2.0, 0, -1], [0, 0, 2.0, 0]])
        self.points = centres[self.labels] + 0.5 * torch.randn(size, 4, generator=generator)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return {"imgs": self.points[index] + 0.05 * torch.randn(4), "label": self.labels[index]}

    def evaluate(self, results, metrics="top_k_accuracy", logger=None):
        predicted = torch.tensor([int(r.argmax()) for r in results])
        return {"top1_acc": float((predicted == self.labels).float().mean())}


@pytest.fixture
def toy_model():
    torch.manual_seed(0)
    return ToyModel()


@pytest.fixture
def make_model():
    def make(seed=0):
        torch.manual_seed(seed)
        return ToyModel()
    return make


@pytest.fixture
def make_loader():
    def make(size=24, batch_size=4, shuffle=True, num_workers=0, seed=0):
        return DataLoader(ToyDataset(size, seed), batch_size=batch_size, shuffle=shuffle, num_workers=num_workers)
    return make


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def quiet_logger(request):
    """A logger that keeps its lines in `logger.lines` instead of printing them."""
    logger = logging.getLogger(f"vidrun.tests.{request.node.name}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = ListHandler()
    logger.handlers = [handler]
    logger.lines = handler.lines
    return logger
