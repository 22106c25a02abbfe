"""Testing a trained model: scores per video (in one process or every rank its shard) with a progress bar,
metrics, and a results file."""
from __future__ import annotations

import json
import logging
import pickle
import sys
import time
from typing import Any, TextIO

import numpy as np
from torch import nn

from vidrun.runner.checkpoint import load_state_dict, read_checkpoint, revise_state_dict_keys
from vidrun.runner.hooks.ema import weights_to_test
from vidrun.runner.inference_loops import multi_process_test, single_process_test
from vidrun.utils.dist import get_dist_info
from vidrun.utils.progress import progress_bar

_log = logging.getLogger("vidrun")


class WeightsMismatchError(RuntimeError):
    """A checkpoint whose weights do not fit the model to test: the message lists the missing, unexpected and
    differently shaped keys grouped by module (`vidrun test` and `vidrun infer` end with it and exit code 2)."""


def load_test_weights(model: nn.Module, filename: str, ema: str = "auto",
                      logger: logging.Logger | None = None) -> dict:
    """Load the weights to test from checkpoint `filename` into `model`, strictly, and return the checkpoint.

    A checkpoint written with an EMAHook gives the weights `ema` chooses ('auto': the averaged ones where the
    checkpoint records where they are; see `weights_to_test`); a `module.` prefix is dropped. Key layouts vidrun
    knows load as they are: MMAction2's (the native names) and an earlier vidrun's (its backbones rename those
    on loading and log that they did, see `vidrun.models.legacy_keys`). Any other mismatch — a key missing or
    unexpected, a shape that differs — is a `WeightsMismatchError` listing it grouped by module: a model must
    never be tested with layers left at their random initialisation."""
    checkpoint = read_checkpoint(filename)
    state_dict = revise_state_dict_keys(weights_to_test(checkpoint, ema, logger), ((r"^module\.", ""),))
    try:
        load_state_dict(model, state_dict, strict=True, logger=logger, source=str(filename))
    except RuntimeError as error:
        listing = str(error).split("\n(strict=True")[0]  # the advice to load non-strictly does not apply here
        raise WeightsMismatchError(
            f"{listing}\nThe checkpoint's weights do not fit the model built from the config (keys in MMAction2's "
            f"or an earlier vidrun's layout would have loaded): is it the config the checkpoint was trained "
            f"with?") from None
    (logger or _log).info("loaded %s into %s strictly (%d tensors)", filename, type(model).__name__,
                          len(state_dict))
    return checkpoint


def test_model(model: nn.Module, data_loader: Any, show_progress: bool = True, distributed: bool = False,
               stream: TextIO | None = None) -> list[np.ndarray] | None:
    """One score vector per video of `data_loader.dataset`, in its order.

    `distributed`: every rank scores its shard of a loader built with `dist=True` and rank 0 gets the whole
    list, the other ranks None (`multi_process_test`). With `show_progress`, a bar on a terminal, then on rank
    0 a summary line such as `tested 300 videos in 7.1 s (42.3 videos/s)`, on `stream` (stderr by default).
    """
    stream = stream if stream is not None else sys.stderr
    size = len(data_loader.dataset)
    start = time.perf_counter()
    with progress_bar(size, "test", "video", stream, enabled=show_progress) as bar:
        if distributed:
            results = multi_process_test(model, data_loader, bar)
        else:
            results = single_process_test(model, data_loader, bar)
    seconds = time.perf_counter() - start
    if show_progress and get_dist_info()[0] == 0:
        stream.write(f"tested {size} videos in {seconds:.1f} s ({size / max(seconds, 1e-9):.1f} videos/s)\n")
        stream.flush()
    return results


def save_results(path: str, dataset: Any, results: list[np.ndarray]) -> None:
    """Per-video scores. A `.pkl`/`.pickle` path gets what MMAction2's `tools/test.py --out` writes there: a
    pickled list with one float32 score array a video, in the data set's order (its analysis scripts read
    that). Any other path gets JSON, `[{"filename": ..., "label": ..., "scores": [...]}, ...]`."""
    if path.endswith((".pkl", ".pickle")):
        with open(path, "wb") as f:
            pickle.dump([np.asarray(scores, dtype=np.float32) for scores in results], f)
        return
    records = []
    for info, scores in zip(dataset.video_infos, results):
        name = info.get("filename", info.get("frame_dir"))
        records.append(dict(filename=name, label=info["label"], scores=[float(s) for s in np.ravel(scores)]))
    with open(path, "w", encoding="utf-8") as f:
        json.dump(records, f, indent=1)
        f.write("\n")


def metrics_table(metrics: dict[str, float]) -> str:
    """A two-column text table of metric names and values."""
    width = max((len(k) for k in metrics), default=6)
    rows = [f"{'metric':<{width}}  value", f"{'-' * width}  ------"]
    rows += [f"{name:<{width}}  {value:.4f}" for name, value in metrics.items()]
    return "\n".join(rows)
