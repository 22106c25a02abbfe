"""`RawframeDataset`: videos stored as folders of frame images, listed as `frame_dir TOTAL_FRAMES LABEL`."""
from __future__ import annotations

from vidrun.datasets.annotations import AnnotationError, check_labels, load, parse_int, record_labels
from vidrun.datasets.base import BaseDataset
from vidrun.datasets.registries import DATASETS


def check_flow_template(filename_tmpl: str) -> None:
    """A ValueError unless `filename_tmpl` names an x and a y image apart, as `format('x', index)`."""
    try:
        names = {filename_tmpl.format(direction, 1) for direction in "xy"}
    except (IndexError, KeyError, ValueError) as error:
        raise ValueError(f"RawframeDataset: modality='Flow' needs a filename_tmpl with the direction and the "
                         f"index, such as '{{}}_{{:05d}}.jpg' (x_00001.jpg, y_00001.jpg); got {filename_tmpl!r} "
                         f"({error})") from error
    if filename_tmpl.format("x", 1) == filename_tmpl.format("x", 2):
        raise ValueError(f"RawframeDataset: filename_tmpl {filename_tmpl!r} gives the same file for every frame; "
                         f"put the index second, such as '{{}}_{{:05d}}.jpg'")
    if len(names) != 2:
        raise ValueError(f"RawframeDataset: filename_tmpl {filename_tmpl!r} gives the same file for both flow "
                         f"directions; put '{{}}' where 'x' or 'y' goes, such as '{{}}_{{:05d}}.jpg'")


@DATASETS.register_module()
class RawframeDataset(BaseDataset):
    """Frame folders. Text annotations hold `frame_dir TOTAL_FRAMES LABEL` a line (`with_offset=True`:
    `frame_dir OFFSET TOTAL_FRAMES LABEL`; multi-label: several labels at the end); JSON annotations a list of
    `{"frame_dir": ..., "total_frames": ..., "label": ...}`. Frames are `frame_dir/filename_tmpl.format(i)`,
    numbered from `start_index` (1 by default: `img_00001.jpg`).

    `modality='Flow'`: optical flow stored as pairs of grayscale images, one for each direction, named by a
    template with two fields, the direction ('x' or 'y') and the index: `filename_tmpl='{}_{:05d}.jpg'` reads
    `x_00001.jpg` and `y_00001.jpg` (MMAction2's flow configs also use `'flow_{}_{:05d}.jpg'`).
    """

    MODALITIES = ("RGB", "Flow")

    def __init__(self, ann_file: str, pipeline: list, filename_tmpl: str = "img_{:05}.jpg",
                 with_offset: bool = False, start_index: int = 1, **kwargs):
        self.filename_tmpl = filename_tmpl
        self.with_offset = with_offset
        if kwargs.get("modality") == "Flow":
            check_flow_template(filename_tmpl)
        super().__init__(ann_file, pipeline, start_index=start_index, **kwargs)

    def _from_line(self, where: str, fields: list[str]) -> dict:
        head = 3 if self.with_offset else 2
        if len(fields) < head + 1:
            layout = "frame_dir OFFSET TOTAL_FRAMES LABEL" if self.with_offset else "frame_dir TOTAL_FRAMES LABEL"
            raise AnnotationError(f"{where}: expected '{layout}', got {' '.join(fields)!r}")
        info = dict(frame_dir=self.prefixed(fields[0]), filename_tmpl=self.filename_tmpl,
                    total_frames=self._total(where, parse_int(where, "TOTAL_FRAMES", fields[head - 1])))
        if self.with_offset:
            info["offset"] = parse_int(where, "OFFSET", fields[1])
        labels = [parse_int(where, "a label", field) for field in fields[head:]]
        info["label"] = check_labels(where, labels, self.multi_class, self.num_classes)
        return info

    @staticmethod
    def _total(where: str, total: int) -> int:
        if total < 1:
            raise AnnotationError(f"{where}: TOTAL_FRAMES must be at least 1, got {total}")
        return total

    def _from_record(self, where: str, record: dict) -> dict:
        missing = [k for k in ("frame_dir", "total_frames", "label") if k not in record]
        if missing:
            raise AnnotationError(f"{where}: a record needs {missing}, got keys {sorted(record)}")
        labels = record_labels(where, record["label"])
        info = dict(record, frame_dir=self.prefixed(record["frame_dir"]), filename_tmpl=self.filename_tmpl,
                    total_frames=self._total(where, parse_int(where, "total_frames", record["total_frames"])))
        info["label"] = check_labels(where, labels, self.multi_class, self.num_classes)
        return info

    def load_annotations(self) -> list[dict]:
        return load(self.ann_file, self._from_line, self._from_record)

