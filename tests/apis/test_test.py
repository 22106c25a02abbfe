"""`test_model`: results in data-set order, a progress bar on a terminal and a summary line on rank 0."""
import io

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from vidrun.apis.test import test_model as run_test  # not collected as a test


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Doubler(nn.Module):
    def forward(self, imgs, return_loss=True):
        return 2 * imgs


class Numbers(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, index):
        return {"imgs": torch.tensor([float(index)])}


def test_results_in_order_with_a_summary_line_and_no_bar_in_a_log():
    stream = io.StringIO()
    results = run_test(Doubler(), DataLoader(Numbers(), batch_size=2), stream=stream)
    assert np.concatenate(results).tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]
    (line,) = stream.getvalue().splitlines()
    assert line.startswith("tested 5 videos in ") and line.endswith(" videos/s)")


def test_a_terminal_sees_the_bar_then_the_summary():
    stream = Terminal()
    run_test(Doubler(), DataLoader(Numbers(), batch_size=2), stream=stream)
    drawn = stream.getvalue()
    assert drawn.startswith("\rtest:   0%") and drawn.split("\r")[-1].startswith("tested 5 videos in ")


def test_quiet_without_progress_and_on_other_ranks(monkeypatch):
    stream = Terminal()
    run_test(Doubler(), DataLoader(Numbers(), batch_size=2), show_progress=False, stream=stream)
    assert stream.getvalue() == ""
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    run_test(Doubler(), DataLoader(Numbers(), batch_size=2), stream=stream)
    assert stream.getvalue() == ""
