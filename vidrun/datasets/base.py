"""`BaseDataset`: annotations in, pipeline-processed samples out, and evaluation of a model's scores."""
from __future__ import annotations

import copy
import logging
import os
from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from vidrun.datasets.evaluate import check_evaluation, evaluate_scores
from vidrun.datasets.pipelines import Compose
from vidrun.datasets.pipelines.errors import VideoReadError
from vidrun.utils.errors import with_context


class BaseDataset(Dataset):
    """The behaviour shared by `VideoDataset` and `RawframeDataset` (MMAction2's `BaseDataset` parameters).

    `dataset[i]` copies sample `i`'s info, adds `modality` and `start_index`, and runs the pipeline. With
    `skip_bad=True`, a sample whose video cannot be read (`VideoReadError`: missing, empty, truncated or
    undecodable) is logged and replaced by the next readable one, so that one bad file in a million does not end
    a long run; every skip is counted in the log. Other errors (a bug in a transform) always propagate.
    """

    MODALITIES: tuple[str, ...] = ("RGB",)  # what the subclass's decoders read

    def __init__(self, ann_file: str, pipeline: Sequence, data_prefix: str | None = None, test_mode: bool = False,
                 multi_class: bool = False, num_classes: int | None = None, start_index: int = 1,
                 modality: str = "RGB", skip_bad: bool = False):
        if modality not in self.MODALITIES:
            raise ValueError(f"{type(self).__name__}: modality {modality!r} is not supported; it reads "
                             + " or ".join(repr(m) for m in self.MODALITIES))
        if multi_class and not num_classes:
            raise ValueError(f"{type(self).__name__}: multi_class=True needs num_classes")
        self.ann_file = str(ann_file)
        self.data_prefix = data_prefix
        self.test_mode = test_mode
        self.multi_class = multi_class
        self.num_classes = num_classes
        self.start_index = start_index
        self.modality = modality
        self.skip_bad = skip_bad
        self.num_skipped = 0  # in this process (each loader worker counts its own)
        self.pipeline = Compose(pipeline)
        self.video_infos = self.load_annotations()

    def load_annotations(self) -> list[dict]:
        """One info dict per sample, read from `ann_file`."""
        raise NotImplementedError

    def prefixed(self, name: str) -> str:
        """An annotated path, under `data_prefix` when one is set."""
        return os.path.join(self.data_prefix, name) if self.data_prefix is not None else name

    def __len__(self) -> int:
        return len(self.video_infos)

    def sample_name(self, idx: int) -> str:
        info = self.video_infos[idx]
        return str(info.get("filename", info.get("frame_dir", idx)))

    def prepare(self, idx: int) -> dict:
        """Sample `idx` through the pipeline."""
        results = copy.copy(self.video_infos[idx])
        results["modality"] = self.modality
        results["start_index"] = self.start_index
        if self.multi_class:
            onehot = torch.zeros(self.num_classes)
            onehot[results["label"]] = 1.0
            results["label"] = onehot
        try:
            out = self.pipeline(results)
        except VideoReadError:
            raise
        except Exception as error:
            raise with_context(error, f"sample {idx} ({self.sample_name(idx)}): {error}") from error
        if out is None:
            raise VideoReadError(self.sample_name(idx), "the pipeline dropped the sample")
        return out

    def __getitem__(self, idx: int) -> dict:
        if not self.skip_bad:
            return self.prepare(idx)
        for attempt in range(len(self)):
            candidate = (idx + attempt) % len(self)
            try:
                return self.prepare(candidate)
            except VideoReadError as error:
                self.num_skipped += 1
                logging.getLogger("vidrun").warning(
                    "skipped a bad sample (%d so far in this process): %s", self.num_skipped, error)
        raise VideoReadError(self.ann_file, f"no sample of the {len(self)} could be read")

    def check_evaluate_args(self, **kwargs) -> None:
        """Raise now what `evaluate(results, **kwargs)` would raise about its arguments (unknown metrics,
        options or keywords), so that a typo in `evaluation` stops a run before its first epoch."""
        kwargs.pop("logger", None)
        check_evaluation(**kwargs, multi_class=self.multi_class)

    def evaluate(self, results: Sequence, metrics: str | Sequence[str] = "top_k_accuracy",
                 metric_options: dict | None = None, logger: logging.Logger | None = None,
                 **deprecated_kwargs) -> dict[str, float]:
        """Score per-video class scores (`results[i]` for sample `i`) against the annotated labels."""
        if len(results) != len(self):
            raise ValueError(f"{len(results)} results for a data set of {len(self)} samples")
        labels = [info["label"] for info in self.video_infos]
        scores = np.stack([np.asarray(r, dtype=np.float64).reshape(-1) for r in results])
        return evaluate_scores(scores, labels, metrics, metric_options, multi_class=self.multi_class,
                               logger=logger, **deprecated_kwargs)
