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


# MMAction2 0.24 on mmcv 1.7, restated: what its transforms do for these configs, frame by frame, with the
# bookkeeping they do besides (img_shape, scale_factor, crop_bbox, crop_quadruple, flags).
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
    results["imgs"] = [cv2.resize(img, size, interpolation=cv2.INTER_LINEAR) for img in results["imgs"]]
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
        for img in results["imgs"]:
            cv2.flip(img, 1, img)  # mmcv.imflip_
    return results


def mm_normalize(results: dict) -> dict:
    imgs = np.empty((len(results["imgs"]), *results["imgs"][0].shape), dtype=np.float32)
    for i, img in enumerate(results["imgs"]):
        imgs[i] = img
    mean = np.float64(np.float32(IMG_NORM["mean"]).reshape(1, -1))
    stdinv = 1 / np.float64(np.float32(IMG_NORM["std"]).reshape(1, -1))
    for img in imgs:  # mmcv.imnormalize_
        cv2.subtract(img, mean, img)
        cv2.multiply(img, stdinv, img)
    results["imgs"] = imgs
    results["img_norm_cfg"] = dict(mean=np.float32(IMG_NORM["mean"]), std=np.float32(IMG_NORM["std"]), to_bgr=False)
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
    return dict(imgs=torch.from_numpy(results["imgs"]), label=torch.LongTensor([results["label"]]))


def mm_steps(input_format: str, msc: tuple) -> list:
    return [lambda r: mm_resize(r, None), lambda r: mm_multi_scale_crop(r, msc), lambda r: mm_resize(r, (224, 224)),
            mm_flip, mm_normalize, lambda r: mm_format_shape(r, input_format), mm_collect]
