"""`VideoDataset`: video files listed as `relative/path.mp4 LABEL` (or a JSON list of records)."""
from __future__ import annotations

from vidrun.datasets.annotations import AnnotationError, check_labels, load, parse_int, record_labels
from vidrun.datasets.base import BaseDataset
from vidrun.datasets.registries import DATASETS


@DATASETS.register_module()
class VideoDataset(BaseDataset):
    """Videos decoded on the fly. Text annotations hold `path LABEL` a line (multi-label: `path L1 L2 ...`);
    JSON annotations a list of `{"filename": ..., "label": ...}`. Paths are relative to `data_prefix`.

    A sample starts as `dict(filename=..., label=..., start_index=0, modality='RGB')`.
    """

    def __init__(self, ann_file: str, pipeline: list, start_index: int = 0, **kwargs):
        super().__init__(ann_file, pipeline, start_index=start_index, **kwargs)

    def _from_line(self, where: str, fields: list[str]) -> dict:
        if len(fields) < 2:
            raise AnnotationError(f"{where}: expected 'path LABEL', got {' '.join(fields)!r}")
        labels = [parse_int(where, "a label", field) for field in fields[1:]]
        return dict(filename=self.prefixed(fields[0]),
                    label=check_labels(where, labels, self.multi_class, self.num_classes))

    def _from_record(self, where: str, record: dict) -> dict:
        if "filename" not in record or "label" not in record:
            raise AnnotationError(f"{where}: a record needs 'filename' and 'label', got keys {sorted(record)}")
        labels = record_labels(where, record["label"])
        info = dict(record, filename=self.prefixed(record["filename"]))
        info["label"] = check_labels(where, labels, self.multi_class, self.num_classes)
        return info

    def load_annotations(self) -> list[dict]:
        return load(self.ann_file, self._from_line, self._from_record)
