"""The canonical TSN and I3D training transforms, step by step, in vidrun and as MMAction2 0.24 on mmcv 1.7 runs
them (restated here: MMAction2 cannot be installed beside vidrun), for `decode.py --transforms`.

The restatement calls what mmcv calls for these configs (`cv2.resize` a frame with INTER_LINEAR, `cv2.flip` in
place, `cv2.subtract`/`cv2.multiply` a float32 frame) and does the bookkeeping MMAction2's transforms do besides
(img_shape, scale_factor, crop_bbox, crop_quadruple, flags), so that both sides pay for the same work.
"""
from __future__ import annotations

import random

import cv2
import numpy as np
import torch

from vidrun.datasets.pipelines import Compose
from vidrun.datasets.registries import PIPELINES

IMG_NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_bgr=False)
# name: (SampleFrames arguments, FormatShape input_format, MultiScaleCrop scales and gap) of the configs
CANONICAL = {"TSN 8×1": (dict(clip_len=1, frame_interval=1, num_clips=8), "NCHW", ((1, 0.875, 0.75, 0.66), 1)),
             "I3D 32×2": (dict(clip_len=32, frame_interval=2, num_clips=1), "NCTHW", ((1, 0.8), 0))}
MM_MEAN, MM_STD = np.array(IMG_NORM["mean"], dtype=np.float32), np.array(IMG_NORM["std"], dtype=np.float32)
STEPS = ("Resize (-1, 256)", "MultiScaleCrop", "Resize (224, 224)", "Flip", "Normalize", "FormatShape",
         "Collect + ToTensor")


def vidrun_steps(input_format: str, msc: tuple) -> list:
    """The configs' training transforms after decoding, built from their config dicts."""
    cfgs = [dict(type="Resize", scale=(-1, 256)),
            dict(type="MultiScaleCrop", input_size=224, scales=msc[0], random_crop=False, max_wh_scale_gap=msc[1]),
            dict(type="Resize", scale=(224, 224), keep_ratio=False), dict(type="Flip", flip_ratio=0.5),
            dict(type="Normalize", **IMG_NORM), dict(type="FormatShape", input_format=input_format)]
    collect = Compose([dict(type="Collect", keys=["imgs", "label"], meta_keys=[]),
                       dict(type="ToTensor", keys=["imgs", "label"])])
    return [PIPELINES.build(cfg) for cfg in cfgs] + [collect]


# mmcv 1.7's per-frame helpers, restated with the checks they make on every call.
CV2_FLAGS = dict(nearest=cv2.INTER_NEAREST, bilinear=cv2.INTER_LINEAR)


def mm_imresize(img: np.ndarray, size: tuple, interpolation: str = "bilinear", backend: str = "cv2") -> np.ndarray:
    h, w = img.shape[:2]  # mmcv reads them for return_scale
    if backend not in ("cv2", "pillow"):
        raise ValueError(backend)
    return cv2.resize(img, size, dst=None, interpolation=CV2_FLAGS[interpolation])


def mm_imflip_(img: np.ndarray, direction: str = "horizontal") -> np.ndarray:
    assert direction in ("horizontal", "vertical", "diagonal")
    return cv2.flip(img, 1 if direction == "horizontal" else 0, img)


def mm_imnormalize_(img: np.ndarray, mean: np.ndarray, std: np.ndarray, to_rgb: bool) -> np.ndarray:
    assert img.dtype != np.uint8
    mean = np.float64(mean.reshape(1, -1))
    stdinv = 1 / np.float64(std.reshape(1, -1))
    if to_rgb:
        cv2.cvtColor(img, cv2.COLOR_BGR2RGB, img)
    cv2.subtract(img, mean, img)
    cv2.multiply(img, stdinv, img)
    return img


# MMAction2 0.24's transforms, restated: what they do for these configs, frame by frame, with the bookkeeping
# they do besides (img_shape, scale_factor, crop_bbox, crop_quadruple, flags).
def mm_resize(results: dict, size: tuple | None) -> dict:
    if "img_shape" not in results:
        results["img_shape"] = results["imgs"][0].shape[:2]
    if "scale_factor" not in results:
        results["scale_factor"] = np.array([1, 1], dtype=np.float32)
    h, w = results["img_shape"]
    if size is None:  # (-1, 256): mmcv.rescale_size with (inf, 256); cv2.resize runs even at the same size
        factor = min(np.inf / max(h, w), 256 / min(h, w))
        size = (int(w * factor + 0.5), int(h * factor + 0.5))
    results["img_shape"], results["keep_ratio"] = (size[1], size[0]), True
    results["scale_factor"] = results["scale_factor"] * np.array([size[0] / w, size[1] / h], dtype=np.float32)
    results["imgs"] = [mm_imresize(img, size, interpolation="bilinear") for img in results["imgs"]]
    return results


def mm_crop_bookkeeping(results: dict, x: int, y: int, cw: int, ch: int) -> None:
    h, w = results["img_shape"]
    results["crop_bbox"] = np.array([x, y, x + cw, y + ch])
    results["img_shape"] = (ch, cw)
    old = results.get("crop_quadruple", np.array([0, 0, 1, 1], dtype=np.float32))
    results["crop_quadruple"] = np.array([old[0] + x / w * old[2], old[1] + y / h * old[3], cw / w * old[2],
                                          ch / h * old[3]], dtype=np.float32)


def mm_multi_scale_crop(results: dict, msc: tuple) -> dict:
    h, w = results["img_shape"]
    sizes = [int(min(h, w) * s) for s in msc[0]]
    crop = random.choice([[cw, ch] for i, ch in enumerate(sizes) for j, cw in enumerate(sizes)
                          if abs(i - j) <= msc[1]])
    cw, ch = [224 if abs(c - 224) < 3 else c for c in crop]
    ws, hs = (w - cw) // 4, (h - ch) // 4
    x, y = random.choice([(0, 0), (4 * ws, 0), (0, 4 * hs), (4 * ws, 4 * hs), (2 * ws, 2 * hs)])
    mm_crop_bookkeeping(results, x, y, cw, ch)
    results["scales"] = msc[0]
    results["imgs"] = [img[y:y + ch, x:x + cw] for img in results["imgs"]]
    return results


def mm_flip(results: dict) -> dict:
    flip = np.random.rand() < 0.5
    results["flip"], results["flip_direction"] = flip, "horizontal"
    if flip:
        _ = [mm_imflip_(img, "horizontal") for img in results["imgs"]]
    return results


def mm_normalize(results: dict) -> dict:
    imgs = np.empty((len(results["imgs"]), *results["imgs"][0].shape), dtype=np.float32)
    for i, img in enumerate(results["imgs"]):
        imgs[i] = img
    for img in imgs:
        mm_imnormalize_(img, MM_MEAN, MM_STD, False)
    results["imgs"] = imgs
    results["img_norm_cfg"] = dict(mean=MM_MEAN, std=MM_STD, to_bgr=False)
    return results


def mm_format_shape(results: dict, input_format: str) -> dict:
    imgs = results["imgs"]
    if input_format == "NCHW":
        results["imgs"] = imgs.transpose(0, 3, 1, 2)
    else:
        imgs = imgs.reshape((-1, results["num_clips"], results["clip_len"]) + imgs.shape[1:])
        imgs = imgs.transpose(0, 1, 5, 2, 3, 4)
        results["imgs"] = imgs.reshape((-1,) + imgs.shape[2:])
    return results


def mm_collect(results: dict) -> dict:
    data = {key: results[key] for key in ("imgs", "label")}  # Collect with meta_keys=[]: no meta entry
    data["imgs"], data["label"] = torch.from_numpy(data["imgs"]), torch.LongTensor([data["label"]])  # ToTensor
    return data


def mm_steps(input_format: str, msc: tuple) -> list:
    return [lambda r: mm_resize(r, None), lambda r: mm_multi_scale_crop(r, msc), lambda r: mm_resize(r, (224, 224)),
            mm_flip, mm_normalize, lambda r: mm_format_shape(r, input_format), mm_collect]
