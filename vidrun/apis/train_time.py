"""`train_time`: how long the training iterations of a log took, epoch by epoch (what mmaction2's
`tools/analysis/analyze_logs.py cal_train_time` reports)."""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from vidrun.apis.log_curves import LogError, TrainingLog


@dataclass(frozen=True)
class TrainTime:
    """Seconds per iteration: `per_epoch` maps an epoch to the mean of its lines' `time`, `lines` to how many
    lines were counted; `average` is the mean over every counted line; `left_out` lists the epochs that had
    nothing left to count."""

    per_epoch: dict[int, float]
    lines: dict[int, int]
    average: float
    left_out: list[int]

    @property
    def slowest(self) -> int:
        return max(self.per_epoch, key=self.per_epoch.__getitem__)

    @property
    def fastest(self) -> int:
        return min(self.per_epoch, key=self.per_epoch.__getitem__)

    @property
    def std(self) -> float:
        """The population standard deviation of the epochs' means (0 with one epoch)."""
        return statistics.pstdev(self.per_epoch.values())


def train_time(log: TrainingLog, include_outliers: bool = False) -> TrainTime:
    """The iteration times of the train lines of `log`, grouped by their `epoch`.

    Each line's `time` is already the mean over the iterations since the previous line; lines count
    equally, as in mmaction2 (a shorter last chunk, logged with `ignore_last=False`, weighs as much as a
    full interval). Unless `include_outliers`, the first line of every epoch is left out: it includes
    starting the data loader's workers, which can take longer than many iterations. An epoch with only that
    line is then left out too.
    """
    times: dict[int, list[float]] = {}
    for record in log.records:
        if record["mode"] == "train" and isinstance(record.get("time"), (int, float)):
            times.setdefault(record["epoch"], []).append(float(record["time"]))
    if not times:
        raise LogError(f"{log.path}: no train lines with a time")
    counted = {epoch: values if include_outliers else values[1:] for epoch, values in times.items()}
    left_out = [epoch for epoch, values in counted.items() if not values]
    counted = {epoch: values for epoch, values in counted.items() if values}
    if not counted:
        raise LogError(f"{log.path}: every epoch logged its time once, and an epoch's first line is left out "
                       f"as an outlier (it includes starting the data loader): include it "
                       f"(--include-outliers)")
    every = [value for values in counted.values() for value in values]
    return TrainTime(per_epoch={epoch: statistics.fmean(values) for epoch, values in counted.items()},
                     lines={epoch: len(values) for epoch, values in counted.items()},
                     average=statistics.fmean(every), left_out=left_out)
