"""`RepeatDataset`: one epoch reads a data set several times (cheap epochs on small data sets)."""
from __future__ import annotations

from torch.utils.data import Dataset

from vidrun.datasets.registries import DATASETS


@DATASETS.register_module()
class RepeatDataset(Dataset):
    """`dataset` repeated `times` times; `dataset` is a built data set (`build_dataset` builds it from a dict)."""

    def __init__(self, dataset: Dataset, times: int):
        if not isinstance(times, int) or times < 1:
            raise ValueError(f"RepeatDataset: times must be a positive int, got {times!r}")
        self.dataset = dataset
        self.times = times

    def __len__(self) -> int:
        return self.times * len(self.dataset)

    def __getitem__(self, idx: int):
        return self.dataset[idx % len(self.dataset)]

    def check_evaluate_args(self, **kwargs) -> None:
        check = getattr(self.dataset, "check_evaluate_args", None)
        if check is not None:
            check(**kwargs)

    def evaluate(self, results, *args, **kwargs):
        return self.dataset.evaluate(results, *args, **kwargs)
