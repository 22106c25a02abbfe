"""`make_demo_data`: the demo video set, generated: real H.264 MP4 clips in the `VideoDataset` layout.

```
DIR/videos/train_0000.mp4 ...      DIR/train.txt   (train_0000.mp4 LABEL)
DIR/videos/val_0000.mp4 ...        DIR/val.txt
DIR/classes.txt                    one class name a line (a label map for `vidrun infer`)
DIR/meta.json                      the parameters the set was made with
DIR/rawframes/train_0000/img_00001.jpg ...  and DIR/train_rawframes.txt, DIR/val_rawframes.txt (rawframes=True)
```
Each clip is a function of (seed, split, index) alone, so the same arguments give the same set on any machine.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from vidrun.datasets.demo_clips import CLASSES, DIRECTIONS, SHAPES, ClipSpec, label_of, render_clip
from vidrun.datasets.video_writer import write_video
from vidrun.utils.progress import progress_bar

SPLITS = {"train": 0, "val": 1}
FPS = 16
# x264's macroblock-tree rate control gives different bytes from run to run on identical input (seen with the
# PyAV 18 wheels); without it the encoder is deterministic, and the clips are too small for it to matter.
ENCODER_OPTIONS = {"crf": "18", "x264-params": "mbtree=0"}


def _clip(seed: int, split: str, index: int, spec: ClipSpec) -> tuple[np.ndarray, int]:
    """Clip `index` of `split`: classes take turns, so every class has the same share of each split."""
    rng = np.random.default_rng([seed, SPLITS[split], index])
    shape = SHAPES[(index // len(DIRECTIONS)) % len(SHAPES)]
    direction = DIRECTIONS[index % len(DIRECTIONS)]
    return render_clip(rng, shape, direction, spec), label_of(shape, direction)


def _write_frames(folder: Path, clip: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for t, frame in enumerate(clip, start=1):
        Image.fromarray(frame).save(folder / f"img_{t:05d}.jpg", quality=95)


def _write_split(root: Path, split: str, count: int, seed: int, spec: ClipSpec, rawframes: bool,
                 progress: tqdm) -> None:
    lines, frame_lines = [], []
    for index in range(count):
        clip, label = _clip(seed, split, index, spec)
        name = f"{split}_{index:04d}"
        write_video(root / "videos" / f"{name}.mp4", clip, fps=FPS, options=ENCODER_OPTIONS)
        lines.append(f"{name}.mp4 {label}\n")
        if rawframes:
            _write_frames(root / "rawframes" / name, clip)
            frame_lines.append(f"{name} {len(clip)} {label}\n")
        progress.update(1)
    # Annotations last: a set interrupted while writing has no annotation file and counts as missing.
    (root / f"{split}.txt").write_text("".join(lines))
    if rawframes:
        (root / f"{split}_rawframes.txt").write_text("".join(frame_lines))


def make_demo_data(root: str | Path, num_train: int = 240, num_val: int = 60, seed: int = 0,
                   spec: ClipSpec = ClipSpec(), rawframes: bool = False) -> dict:
    """Write the demo set under `root` and return its parameters (also saved as `meta.json`)."""
    root = Path(root)
    if num_train < 1 or num_val < 1:
        raise ValueError(f"num_train and num_val must be at least 1, got {num_train} and {num_val}")
    (root / "videos").mkdir(parents=True, exist_ok=True)
    (root / "classes.txt").write_text("".join(f"{name}\n" for name in CLASSES))
    with progress_bar(num_train + num_val, "demo data", "clip") as bar:
        for split, count in (("train", num_train), ("val", num_val)):
            _write_split(root, split, count, seed, spec, rawframes, bar)
    meta = dict(num_train=num_train, num_val=num_val, seed=seed, fps=FPS, classes=list(CLASSES),
                rawframes=rawframes, **asdict(spec))
    (root / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    return meta


def demo_data_exists(root: str | Path) -> bool:
    """Whether `root` holds a complete demo set (written to the end: `meta.json` is written last)."""
    root = Path(root)
    return all((root / name).is_file() for name in ("meta.json", "train.txt", "val.txt", "classes.txt"))
