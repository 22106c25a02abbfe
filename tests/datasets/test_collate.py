"""collate: batching the samples a pipeline ending in Collect/ToTensor produces."""
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from vidrun.datasets.collate import collate
from vidrun.datasets.pipelines.compose import Compose


def pipeline_sample(label: int):
    transforms = Compose([dict(type="FormatShape", input_format="NCHW"),
                          dict(type="Collect", keys=["imgs", "label"], meta_keys=["filename"]),
                          dict(type="ToTensor", keys=["imgs", "label"])])
    return transforms(dict(imgs=[np.full((4, 4, 3), label, np.uint8)] * 3, label=label,
                           filename=f"{label}.mp4"))


def test_collates_pipeline_output_into_batched_tensors_and_a_meta_list():
    batch = collate([pipeline_sample(1), pipeline_sample(2)])
    assert batch["imgs"].shape == (2, 3, 3, 4, 4)
    assert batch["imgs"][1].unique().tolist() == [2]
    assert batch["label"].shape == (2, 1) and batch["label"].dtype == torch.int64
    assert batch["img_metas"] == [dict(filename="1.mp4"), dict(filename="2.mp4")]


def test_works_as_a_data_loader_collate_fn():
    loader = DataLoader([pipeline_sample(i) for i in range(5)], batch_size=2, collate_fn=collate)
    assert [b["label"].squeeze(1).tolist() for b in loader] == [[0, 1], [2, 3], [4]]


def test_arrays_numbers_and_strings():
    batch = collate([dict(x=np.zeros(2, np.float32), n=1, f=0.5, s="a", d={"k": 1}),
                     dict(x=np.ones(2, np.float32), n=2, f=1.5, s="b", d={"k": 2})])
    assert batch["x"].tolist() == [[0, 0], [1, 1]]
    assert batch["n"].dtype == torch.int64 and batch["n"].tolist() == [1, 2]
    assert batch["f"].dtype == torch.float32 and batch["f"].tolist() == [0.5, 1.5]
    assert batch["s"] == ["a", "b"]
    assert batch["d"] == [{"k": 1}, {"k": 2}]


def test_nested_samples_are_collated_position_by_position():
    batch = collate([dict(label=[torch.tensor([1])], img_metas=[{}]),
                     dict(label=[torch.tensor([2])], img_metas=[{}])])
    assert len(batch["label"]) == 1 and batch["label"][0].tolist() == [[1], [2]]
    assert batch["img_metas"] == [[{}], [{}]]


def test_different_shapes_name_the_key_and_shapes():
    with pytest.raises(ValueError, match=r"'imgs' has different shapes.*sample 0 \[3, 4\], sample 1 \[3, 5\]"):
        collate([dict(imgs=torch.zeros(3, 4)), dict(imgs=torch.zeros(3, 5))])


def test_different_keys_name_them():
    with pytest.raises(ValueError, match=r"sample 1 has different keys.*missing \['label'\], extra \['lbl'\]"):
        collate([dict(imgs=torch.zeros(1), label=1), dict(imgs=torch.zeros(1), lbl=1)])


def test_mixed_and_unsupported_types_name_the_key():
    with pytest.raises(TypeError, match="'x' has values of different types.*Tensor, ndarray"):
        collate([dict(x=torch.zeros(1)), dict(x=np.zeros(1))])
    with pytest.raises(TypeError, match="cannot batch 'x' of type NoneType"):
        collate([dict(x=None), dict(x=None)])


def test_empty_batch_is_an_error():
    with pytest.raises(ValueError, match="non-empty list"):
        collate([])
