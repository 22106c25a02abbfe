"""What a sample costs to decode with each video backend, and how the data loader scales with workers.

Writes two 10-second 340×256 H.264 clips at 30 fps (a panned, textured scene with moving objects and sensor
noise) that differ only in their key-frame interval, 12 and 250 frames. For each clip, backend (PyAV, decord)
and mode (accurate, efficient) it times the whole per-sample pipeline, Init → SampleFrames → Decode (opening
the file included, as a data loader pays it), for a TSN-style sparse sample (8 segments × 1 frame) and an
I3D-style dense one (32 frames, interval 2): wall time, and CPU time of all the process's threads. The random
offsets come from one NumPy seed per repetition, so every reader decodes the same frames, and the readers take
turns within a repetition. Baselines: decord's own `VideoReader(path).get_batch(inds)`; PyAV with its packet
index dropped before every sample ("cold": a process's first sample of a file); PyAV held to one FFmpeg
thread (by default FFmpeg picks the thread count, DecordInit uses one). Then the throughput of a TSN
training loader (batch 8) with 0, 1 and 2 workers, in steady state.

`--transforms` (alone, or with the rest) times the canonical TSN (8 segments) and I3D (32×2) training
transforms one by one on frames decoded from the GOP-12 clip, against a restatement of what MMAction2 0.24 on
mmcv 1.7 runs for them (a cv2 call a frame, as `mmcv.imresize` / `imflip_` / `imnormalize_`), and whole
samples: vidrun's pipeline from the file against MMAction2's with decord (open, `get_batch`, the restated
transforms). Repetition r seeds NumPy and `random` with r for both, so both crop and flip alike (and the
script counts the samples whose outputs are equal).

    python benchmarks/decode.py [--repeats 30] [--passes 5] [--out-dir DIR] [--quick] [--transforms [only]]
"""
from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import av
import decord
import numpy as np
import torch

from vidrun.datasets import VideoDataset, build_dataloader
from vidrun.datasets.pipelines import Compose, SampleFrames
from vidrun.datasets.pipelines.video_index import VIDEO_INDEXES, scan_packets
from vidrun.datasets.video_writer import write_video
from machine import machine  # benchmarks/machine.py, beside this script
from transform_steps import CANONICAL, STEPS, mm_steps, vidrun_steps  # benchmarks/transform_steps.py

FPS, SECONDS, WIDTH, HEIGHT = 30, 10, 340, 256
GOPS = {"GOP 12": 12, "GOP 250": 250}
SAMPLINGS = {"sparse 8×1": dict(clip_len=1, frame_interval=1, num_clips=8),
             "dense 32×2": dict(clip_len=32, frame_interval=2, num_clips=1)}
READERS = ("pyav accurate", "pyav accurate, cold index", "pyav accurate, multi_thread", "pyav efficient",
           "decord accurate", "decord efficient", "decord get_batch, 1 thread", "decord get_batch, default threads")
BASELINES = READERS[-2:]
TRAIN_PIPELINE = [
    dict(type="PyAVInit"),  # before SampleFrames, which needs the frame count it finds
    dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=8), dict(type="PyAVDecode"),
    dict(type="Resize", scale=(-1, 256)), dict(type="RandomResizedCrop"),
    dict(type="Resize", scale=(224, 224), keep_ratio=False), dict(type="Flip", flip_ratio=0.5),
    dict(type="Normalize", mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_bgr=False),
    dict(type="FormatShape", input_format="NCHW"),
    dict(type="Collect", keys=["imgs", "label"], meta_keys=[]), dict(type="ToTensor", keys=["imgs", "label"]),
]


def render(seed: int = 0):
    """Frames of a slowly panned scene (gradients and fixed fine texture) with four objects moving across it
    and per-frame sensor noise: enough for the encoder to do real motion search and residual coding."""
    rng = np.random.default_rng(seed)
    scene_w = WIDTH + FPS * SECONDS // 2  # pan by half a pixel a frame
    ys, xs = np.mgrid[0:HEIGHT, 0:scene_w].astype(np.float32)
    scene = (100 + 45 * np.sin(xs / 23.0)[..., None] * np.float32([1.0, 0.6, 0.3])
             + 35 * np.cos(ys / 17.0 + xs / 41.0)[..., None] * np.float32([0.3, 0.7, 1.0])
             + rng.normal(0, 10, (HEIGHT, scene_w, 1)).astype(np.float32))
    pos = rng.uniform([20, 20], [HEIGHT - 20, WIDTH - 20], (4, 2))
    vel = rng.uniform(-3, 3, (4, 2))
    colours = rng.uniform(0, 255, (4, 3)).astype(np.float32)
    fy, fx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    for t in range(FPS * SECONDS):
        frame = scene[:, t // 2:t // 2 + WIDTH].copy()
        for (y, x), colour, radius in zip(pos, colours, (14, 20, 26, 32)):
            frame[(fy - y) ** 2 + (fx - x) ** 2 < radius ** 2] = colour
        frame += rng.normal(0, 3, (HEIGHT, WIDTH, 1)).astype(np.float32)
        pos += vel
        vel[(pos < 0) | (pos > [HEIGHT, WIDTH])] *= -1  # bounce off the edges
        yield np.clip(frame, 0, 255).astype(np.uint8)


def make_clips(out_dir: Path) -> dict[str, Path]:
    return {name: write_video(out_dir / f"clip_gop{gop}.mp4", render(), fps=FPS, gop_size=gop)
            for name, gop in GOPS.items()}


def describe(path: Path) -> str:
    """The clip's frame and key-frame counts, its size, and what PyAV's packet scan of it costs (best of 3:
    the first scan in a process also pays one-time start-up)."""
    scans = []
    for _ in range(3):
        with av.open(str(path)) as container:
            start = time.perf_counter()
            index = scan_packets(container, container.streams.video[0], str(path))
            scans.append((time.perf_counter() - start) * 1000)
    return (f"{path.name}: {index.num_frames} frames, {len(index.keys)} key frames, "
            f"{path.stat().st_size // 1024} KiB; packet scan {min(scans):.1f} ms")


def decode_pipeline(reader: str, sampling: dict) -> Compose:
    backend, mode = reader.split(",")[0].split()
    if backend == "pyav":
        threads = reader.endswith("multi_thread")  # PyAV decodes on one thread unless asked
        return Compose([dict(type="PyAVInit", multi_thread=threads), dict(type="SampleFrames", **sampling),
                        dict(type="PyAVDecode", mode=mode, multi_thread=threads)])
    return Compose([dict(type="DecordInit", num_threads=1), dict(type="SampleFrames", **sampling),
                    dict(type="DecordDecode", mode=mode)])


def sample_once(reader: str, path: Path, sampling: dict, total_frames: int) -> None:
    """One sample of `path` as `reader` reads it; the caller has seeded NumPy."""
    if reader.startswith("decord get_batch"):
        inds = SampleFrames(**sampling).frame_indices(total_frames)
        threads = 1 if reader.endswith("1 thread") else 0  # 0: decord's default, it picks the thread count
        decord.VideoReader(str(path), num_threads=threads).get_batch(list(inds)).asnumpy()
        return
    if reader.endswith("cold index"):
        VIDEO_INDEXES.clear()  # this sample scans the file's packets again
    results = decode_pipeline(reader, sampling)(dict(filename=str(path), start_index=0))
    assert len(results["imgs"]) == len(results["frame_inds"])


def time_readers(path: Path, sampling: dict, repeats: int, warmup: int) -> dict[str, np.ndarray]:
    """[repeats, 2] seconds (wall, CPU of all threads) per sample of each reader; repetition r uses NumPy
    seed r for every reader, and the readers take turns so that load elsewhere on the machine hits them alike."""
    with av.open(str(path)) as container:
        total = VIDEO_INDEXES.get(str(path), container, container.streams.video[0]).num_frames
    times = {reader: [] for reader in READERS}
    for r in range(-warmup, repeats):
        for reader in READERS:
            np.random.seed(r % 2**32)
            wall, cpu = time.perf_counter(), time.process_time()
            sample_once(reader, path, sampling, total)
            if r >= 0:
                times[reader].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {reader: np.asarray(pairs) for reader, pairs in times.items()}


def decode_table(clips: dict[str, Path], repeats: int, warmup: int) -> dict[tuple, np.ndarray]:
    times = {}
    for clip, path in clips.items():
        for name, sampling in SAMPLINGS.items():
            for reader, pairs in time_readers(path, sampling, repeats, warmup).items():
                times[reader, clip, name] = pairs * 1000
    columns = [(clip, name) for clip in clips for name in SAMPLINGS]
    print("\n| reader | " + " | ".join(f"{clip}, {name}" for clip, name in columns) + " |")
    print("| --- |" + " ---: |" * len(columns))
    for reader in READERS:
        cells = []
        for column in columns:
            q1, q2, q3 = np.percentile(times[(reader, *column)][:, 0], [25, 50, 75])
            cpu = np.median(times[(reader, *column)][:, 1])
            cells.append(f"{q2:.1f} ({q3 - q1:.1f}) · {cpu:.0f}")
        print(f"| {reader} | " + " | ".join(cells) + " |")
    print(f"\nCells: median wall ms per sample (IQR) · median CPU ms of all threads; {repeats} samples each, "
          f"open + sample + decode to RGB arrays.")
    return times


def link_copies(clips: dict[str, Path], out_dir: Path, copies: int) -> Path:
    """`copies` hard links of each clip (separate files to the index cache) and an annotation list of them."""
    lines = []
    for label, path in enumerate(clips.values()):
        for i in range(copies):
            link = out_dir / f"{path.stem}_{i:03d}.mp4"
            if not link.exists():
                os.link(path, link)
            lines.append(f"{link.name} {label}")
    ann_file = out_dir / "train_list.txt"
    ann_file.write_text("\n".join(lines) + "\n")
    return ann_file


def loader_rate(ann_file: Path, workers: int, passes: int) -> float:
    """Median clips/s over `passes` full passes, after one untimed pass (worker start-up, packet indexes)."""
    dataset = VideoDataset(str(ann_file), TRAIN_PIPELINE, data_prefix=str(ann_file.parent))
    loader = build_dataloader(dataset, videos_per_gpu=8, workers_per_gpu=workers, dist=False, shuffle=False,
                              seed=0, persistent_workers=workers > 0)
    for batch in loader:
        assert batch["imgs"].shape[1:] == (8, 3, 224, 224)
    rates = []
    for _ in range(passes):
        start, count = time.perf_counter(), 0
        for batch in loader:
            count += len(batch["label"])
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def loader_table(ann_file: Path, passes: int) -> dict[int, float]:
    rates = {workers: loader_rate(ann_file, workers, passes) for workers in (0, 1, 2)}
    print("\n| workers | clips/s | vs 1 worker |")
    print("| ---: | ---: | ---: |")
    for workers, rate in rates.items():
        print(f"| {workers} | {rate:.1f} | {rate / rates[1]:.2f}× |")
    clips = len(ann_file.read_text().splitlines())
    print(f"\n{clips} clips (both GOPs), batch 8, median of {passes} passes after a warm-up pass; "
          f"{os.cpu_count()} cores, torch uses {torch.get_num_threads()} threads in the main process and 1 in "
          f"a worker.")
    return rates


def verdicts(times: dict[tuple, np.ndarray], rates: dict[int, float]) -> None:
    """The two targets; decoding is compared by the median of per-sample ratios (same frames in both)."""
    def ratio(pyav: str, baseline: str, clip: str) -> float:
        walls = [times[reader, clip, "sparse 8×1"][:, 0] for reader in (pyav, baseline)]
        return float(np.median(walls[0] / walls[1]))
    print()
    for clip in GOPS:
        for baseline in BASELINES:
            value = ratio("pyav accurate", baseline, clip)
            print(f"{clip}: pyav accurate sparse / {baseline}: median per-sample ratio {value:.2f} "
                  f"(target <= 1): {'met' if value <= 1 else 'NOT met'}")
        print(f"{clip}: for reference, with FFmpeg's threads: pyav accurate, multi_thread / decord get_batch, "
              f"default threads: {ratio('pyav accurate, multi_thread', 'decord get_batch, default threads', clip):.2f}")
    value = rates[2] / rates[1]
    print(f"loader: 2 workers / 1 worker = {value:.2f} (target >= 1.8): {'met' if value >= 1.8 else 'NOT met'}")


def run_steps(steps: list, results: dict, seed: int) -> tuple[list[tuple[float, float]], dict]:
    """(wall, CPU of all threads) seconds each step took on `results` (both generators seeded with `seed`
    first), and the output."""
    np.random.seed(seed)
    random.seed(seed)
    times = []
    for step in steps:
        wall, cpu = time.perf_counter(), time.process_time()
        results = step(results)
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times, results


def time_transforms(path: Path, name: str, repeats: int, warmup: int) -> tuple[dict, int]:
    """[repeats, steps, 2] ms (wall, CPU) of each implementation's steps, and how many samples gave equal
    tensors."""
    sampling, input_format, msc = CANONICAL[name]
    steps = {"MMAction2 0.24 (restated)": mm_steps(input_format, msc), "vidrun": vidrun_steps(input_format, msc)}
    decode = Compose([dict(type="PyAVInit"), dict(type="SampleFrames", **sampling), dict(type="PyAVDecode")])
    times, equal = {impl: [] for impl in steps}, 0
    for r in range(-warmup, repeats):
        np.random.seed(r % 2**32)
        decoded = decode(dict(filename=str(path), start_index=0, label=0, modality="RGB"))
        outputs = []
        for impl in sorted(steps, reverse=r % 2 == 1):  # who goes first alternates
            results = dict(decoded, imgs=[img.copy() for img in decoded["imgs"]])
            step_times, out = run_steps(steps[impl], results, r % 2**32)
            outputs.append(out["imgs"])
            if r >= 0:
                times[impl].append(step_times)
        equal += r >= 0 and outputs[0].shape == outputs[1].shape and torch.equal(*outputs)
    return {impl: np.asarray(rows) * 1000 for impl, rows in times.items()}, equal


def time_whole_samples(path: Path, name: str, repeats: int, warmup: int) -> dict[str, np.ndarray]:
    """[repeats, 2] ms (wall, CPU) per whole sample from the file: vidrun's pipeline with PyAV and with decord,
    and MMAction2's with decord (its DecordInit/DecordDecode: open, get_batch, list of frames; then the restated
    transforms)."""
    sampling, input_format, msc = CANONICAL[name]
    tail = [*vidrun_steps(input_format, msc)]
    pipelines = {f"vidrun, {backend}": Compose([dict(type=f"{backend}Init"), dict(type="SampleFrames", **sampling),
                                                dict(type=f"{backend}Decode"), *tail])
                 for backend in ("PyAV", "Decord")}
    mm_tail = mm_steps(input_format, msc)
    times = {impl: [] for impl in [*pipelines, "MMAction2 0.24, decord (restated)"]}
    for r in range(-warmup, repeats):
        for impl in sorted(times, reverse=r % 2 == 1):  # who goes first alternates
            np.random.seed(r % 2**32)
            random.seed(r % 2**32)
            start, cpu = time.perf_counter(), time.process_time()
            if impl in pipelines:
                pipelines[impl](dict(filename=str(path), start_index=0, label=0, modality="RGB"))
            else:
                reader = decord.VideoReader(str(path), num_threads=1)
                sampler = SampleFrames(**sampling)
                inds = sampler.frame_indices(len(reader))
                results = dict(imgs=list(reader.get_batch(list(inds)).asnumpy()), label=0,
                               num_clips=sampling["num_clips"], clip_len=sampling["clip_len"])
                for step in mm_tail:
                    results = step(results)
            if r >= 0:
                times[impl].append(((time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000))
    return {impl: np.asarray(values) for impl, values in times.items()}


def cell(values: np.ndarray) -> str:
    """'wall median (IQR) · CPU median' of [n, 2] ms."""
    q1, q2, q3 = np.percentile(values[:, 0], [25, 50, 75])
    return f"{q2:.2f} ({q3 - q1:.2f}) · {np.median(values[:, 1]):.2f}"


def transform_tables(path: Path, repeats: int, warmup: int) -> None:
    """Per-transform and whole-sample tables; ratios are of medians (transforms: CPU; whole samples: the median
    of per-sample ratios, wall and CPU)."""
    for name in CANONICAL:
        times, equal = time_transforms(path, name, repeats, warmup)
        base, ours = times.values()
        print(f"\n{name} training transforms, ms per sample: median wall (IQR) · median CPU of all threads, "
              f"{repeats} samples; outputs equal in {equal} of {repeats}")
        print("| transform | MMAction2 0.24 (restated) | vidrun | vidrun / MMAction2, CPU |\n"
              "| --- | ---: | ---: | ---: |")
        for k, step in enumerate([*STEPS, "all transforms"]):
            b = base.sum(axis=1) if k == len(STEPS) else base[:, k]
            o = ours.sum(axis=1) if k == len(STEPS) else ours[:, k]
            ratio = np.median(o[:, 1]) / max(np.median(b[:, 1]), 1e-9)
            print(f"| {step} | {cell(b)} | {cell(o)} | {ratio:.2f} |")
        whole = time_whole_samples(path, name, repeats, warmup)
        reference = whole["MMAction2 0.24, decord (restated)"]
        print(f"\n{name} whole sample (open, sample, decode, transforms), ms: median wall (IQR) · median CPU; "
              f"ratios: median of per-sample ratios to MMAction2 with decord\n"
              f"| pipeline | ms | ratio, wall | ratio, CPU |\n| --- | ---: | ---: | ---: |")
        for impl, values in whole.items():
            ratios = np.median(values / reference, axis=0)
            print(f"| {impl} | {cell(values)} | {ratios[0]:.2f} | {ratios[1]:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed samples per reader and cell")
    parser.add_argument("--warmup", type=int, default=3, help="untimed samples per reader and cell first")
    parser.add_argument("--copies", type=int, default=32, help="links of each clip in the loader's data set")
    parser.add_argument("--passes", type=int, default=5, help="timed loader passes per worker count")
    parser.add_argument("--out-dir", type=Path, help="where to write the clips (default: a temporary folder)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few repetitions, a small data set")
    parser.add_argument("--transforms", nargs="?", const="also", choices=["also", "only"],
                        help="time the canonical TSN and I3D transforms too ('only': nothing else)")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.warmup, args.copies, args.passes = 3, 1, 8, 1
    print(f"machine: {machine()}; date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d}; "
          f"PyAV {av.__version__}, decord {decord.__version__}, torch {torch.__version__}; "
          f"load average {os.getloadavg()[0]:.2f} before the run")
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.out_dir or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        clips = make_clips(out_dir)
        for path in clips.values():
            print(describe(path))
        if args.transforms:
            transform_tables(clips["GOP 12"], args.repeats, args.warmup)
            if args.transforms == "only":
                return
        times = decode_table(clips, args.repeats, args.warmup)
        rates = loader_table(link_copies(clips, out_dir, args.copies), args.passes)
    verdicts(times, rates)


if __name__ == "__main__":
    main()
