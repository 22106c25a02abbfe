"""`collate`: the DataLoader's `collate_fn`, batching the dicts that `Collect` (and `ToTensor`) produce."""
from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np
import torch

META_KEY = "img_metas"


def collate(batch: list[dict]) -> dict:
    """Batch a list of samples (dicts with the same keys) into one dict with the same keys.

    Per key: tensors are stacked along a new dim 0 and must have one shape; numpy arrays are converted
    (`torch.from_numpy`) and stacked; ints, floats and bools become a 1-D tensor (float32 for floats, the
    default dtype, not float64); `img_metas`, dicts and strings stay a Python list, one entry per sample;
    lists/tuples of one length (`Collect(nested=True)`) are collated position by position into a list.
    Errors name the key: samples with different keys, shapes or types, or a type none of the above.
    """
    if not isinstance(batch, (list, tuple)) or not batch:
        raise ValueError(f"collate needs a non-empty list of samples, got {batch!r}")
    if not all(isinstance(sample, dict) for sample in batch):
        kinds = sorted({type(sample).__name__ for sample in batch})
        raise TypeError(f"collate needs dicts (as Collect produces), got {', '.join(kinds)}")
    _check_same_keys(batch)
    return {key: _collate_values(key, [sample[key] for sample in batch]) for key in batch[0]}


def _check_same_keys(batch: list[dict]) -> None:
    first = set(batch[0])
    for index, sample in enumerate(batch[1:], start=1):
        if set(sample) != first:
            missing, extra = sorted(first - set(sample)), sorted(set(sample) - first)
            raise ValueError(f"collate: sample {index} has different keys from sample 0: missing {missing}, "
                             f"extra {extra}")


def _kind(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return "tensor"
    if isinstance(value, np.ndarray):
        return "array"
    if isinstance(value, (dict, str)):
        return "list"
    if isinstance(value, Number):
        return "number"
    if isinstance(value, (list, tuple)):
        return "sequence"
    return type(value).__name__


def _collate_values(key: str, values: list) -> Any:
    if key == META_KEY:
        return list(values)
    kinds = {_kind(value) for value in values}
    if len(kinds) > 1:
        types = sorted({type(value).__name__ for value in values})
        raise TypeError(f"collate: {key!r} has values of different types across samples: {', '.join(types)}")
    kind = kinds.pop()
    if kind == "list":
        return list(values)
    if kind == "number":
        return torch.tensor(values)
    if kind == "sequence":
        return _collate_sequences(key, values)
    if kind == "array":
        values = [torch.from_numpy(np.ascontiguousarray(value)) for value in values]
    elif kind != "tensor":
        raise TypeError(f"collate: cannot batch {key!r} of type {kind}; supported: tensor, numpy array, int, "
                        f"float, bool, dict, str and lists of these")
    return _stack(key, values)


def _collate_sequences(key: str, values: list) -> list:
    lengths = sorted({len(value) for value in values})
    if len(lengths) > 1:
        raise ValueError(f"collate: {key!r} holds sequences of different lengths across samples: {lengths}")
    return [_collate_values(f"{key}[{i}]", [value[i] for value in values]) for i in range(lengths[0])]


def _stack(key: str, tensors: list[torch.Tensor]) -> torch.Tensor:
    first = tensors[0].shape
    for index, tensor in enumerate(tensors[1:], start=1):
        if tensor.shape != first:
            raise ValueError(f"collate: {key!r} has different shapes across samples: sample 0 {list(first)}, "
                             f"sample {index} {list(tensor.shape)}")
    if torch.utils.data.get_worker_info() is None:
        return torch.stack(tensors)
    # In a loader worker, stack straight into shared memory: the batch then crosses to the main process
    # without another copy (what torch's default_collate does too).
    out = tensors[0].new_empty((len(tensors), *first)).share_memory_()
    return torch.stack(tensors, out=out)
