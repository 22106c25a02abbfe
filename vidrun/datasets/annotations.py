"""Reading annotation files: `.txt` (one sample a line, fields separated by spaces) and `.json` (a list of dicts).

Every problem names the file and the line (or the list position for JSON), e.g.
`data/train.txt:12: expected 'path LABEL', got 'clip_012.mp4'`.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator


class AnnotationError(ValueError):
    """A malformed annotation file; the message names the file and the line."""


def text_lines(ann_file: str) -> Iterator[tuple[str, list[str]]]:
    """(`file:line`, fields) for each non-empty line of a text annotation file."""
    if not os.path.isfile(ann_file):
        raise FileNotFoundError(f"annotation file not found: {ann_file}")
    with open(ann_file, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            fields = line.split()
            if fields:
                yield f"{ann_file}:{number}", fields


def json_records(ann_file: str) -> Iterator[tuple[str, dict]]:
    """(`file[i]`, record) for each record of a JSON annotation file (a list of dicts)."""
    if not os.path.isfile(ann_file):
        raise FileNotFoundError(f"annotation file not found: {ann_file}")
    with open(ann_file, encoding="utf-8") as f:
        try:
            records = json.load(f)
        except json.JSONDecodeError as error:
            raise AnnotationError(f"{ann_file}:{error.lineno}: not valid JSON: {error.msg}") from error
    if not isinstance(records, list):
        raise AnnotationError(f"{ann_file}: a JSON annotation file holds a list of records, "
                              f"not a {type(records).__name__}")
    for position, record in enumerate(records):
        where = f"{ann_file}[{position}]"
        if not isinstance(record, dict):
            raise AnnotationError(f"{where}: a record is a dict, not {record!r}")
        yield where, record


def parse_int(where: str, name: str, text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise AnnotationError(f"{where}: {name} must be an integer, got {text!r}") from None


def record_labels(where: str, raw: object) -> list[int]:
    """The labels of a JSON record's `label` field: an int or a list of ints."""
    return [parse_int(where, "a label", x) for x in (raw if isinstance(raw, list) else [raw])]


def check_labels(where: str, labels: list[int], multi_class: bool, num_classes: int | None) -> int | list[int]:
    """One label (or, for multi-label data, the list), each in `[0, num_classes)` when that is known."""
    if not labels:
        raise AnnotationError(f"{where}: no label")
    if not multi_class and len(labels) > 1:
        raise AnnotationError(f"{where}: {len(labels)} labels for a single-label data set "
                              f"(set multi_class=True and num_classes for multi-label data)")
    for label in labels:
        if label < 0 or (num_classes is not None and label >= num_classes):
            bound = f"[0, {num_classes})" if num_classes is not None else ">= 0"
            raise AnnotationError(f"{where}: label {label} is out of range: labels are 0-based, {bound}")
    return labels if multi_class else labels[0]


def load(ann_file: str, from_line: Callable[[str, list[str]], dict],
         from_record: Callable[[str, dict], dict]) -> list[dict]:
    """The sample infos of `ann_file`, parsed by `from_line` (text) or `from_record` (`.json`)."""
    if str(ann_file).endswith(".json"):
        infos = [from_record(where, record) for where, record in json_records(ann_file)]
    else:
        infos = [from_line(where, fields) for where, fields in text_lines(ann_file)]
    if not infos:
        raise AnnotationError(f"{ann_file}: no samples")
    return infos
