"""The data path under a real runner: decoded, augmented clips from loader workers, evaluation, exact resume."""
import logging

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from vidrun.datasets import VideoDataset, build_dataloader
from vidrun.datasets.demo_data import make_demo_data
from vidrun.datasets.demo_clips import ClipSpec
from vidrun.runner import EpochBasedRunner, EvalHook, Hook

NORM = dict(mean=[110.0, 110.0, 110.0], std=[60.0, 60.0, 60.0])
TRAIN = [dict(type="PyAVInit"), dict(type="SampleFrames", clip_len=4, frame_interval=2, num_clips=1),
         dict(type="PyAVDecode"), dict(type="RandomResizedCrop", area_range=(0.5, 1.0)),
         dict(type="Resize", scale=(24, 24), keep_ratio=False), dict(type="Normalize", **NORM),
         dict(type="FormatShape", input_format="NCTHW"), dict(type="Collect", keys=["imgs", "label"], meta_keys=[]),
         dict(type="ToTensor", keys=["imgs", "label"])]
VAL = [dict(type="PyAVInit"), dict(type="SampleFrames", clip_len=4, frame_interval=2, num_clips=2, test_mode=True),
       dict(type="PyAVDecode"), dict(type="Resize", scale=(24, 24), keep_ratio=False), dict(type="Normalize", **NORM),
       dict(type="FormatShape", input_format="NCTHW"), dict(type="Collect", keys=["imgs", "label"], meta_keys=[]),
       dict(type="ToTensor", keys=["imgs", "label"])]


class TinyC3D(nn.Module):
    """[N, views, C, T, H, W] clips → class scores averaged over views."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8, 6)

    def forward(self, imgs, label=None, return_loss=True):
        n, views = imgs.shape[:2]
        features = F.adaptive_avg_pool3d(torch.relu(self.conv(imgs.flatten(0, 1))), 1).flatten(1)
        scores = self.fc(features).view(n, views, -1).mean(1)
        if return_loss:
            return F.cross_entropy(scores, label.view(-1))
        return scores.softmax(-1)

    def train_step(self, data_batch, optimizer):
        loss = self(**data_batch)
        return {"loss": loss, "log_vars": {"loss": float(loss.detach())}, "num_samples": len(data_batch["imgs"])}

    val_step = train_step


class Stop(Exception):
    pass


class StopAt(Hook):
    def __init__(self, at):
        self.at = at

    def after_train_iter(self, runner):
        if runner.iter + 1 == self.at:
            raise Stop()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    make_demo_data(root, num_train=18, num_val=6, spec=ClipSpec(size=48, num_frames=8, radius=(5.0, 7.0)))
    return root


@pytest.fixture
def logger():
    log = logging.getLogger("vidrun.tests.video_training")
    log.propagate, log.handlers = False, [logging.NullHandler()]
    return log


def loader(demo, split, pipeline, workers, shuffle):
    dataset = VideoDataset(str(demo / f"{split}.txt"), pipeline, data_prefix=str(demo / "videos"))
    return build_dataloader(dataset, videos_per_gpu=6, workers_per_gpu=workers, dist=False, shuffle=shuffle,
                            seed=5)


def train(demo, work_dir, logger, resume_from=None, stop_at=None, evaluate=False):
    torch.manual_seed(0)
    np.random.seed(0)
    model = TinyC3D()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    runner = EpochBasedRunner(model, optimizer, str(work_dir), logger, max_epochs=3)
    runner.register_training_hooks(dict(policy="fixed"), dict(grad_clip=None), dict(interval=1, by_epoch=False),
                                   dict(interval=1, hooks=[dict(type="TextLoggerHook")]),
                                   custom_hooks_config=[StopAt(stop_at)] if stop_at else None)
    if evaluate:
        runner.register_hook(EvalHook(loader(demo, "val", VAL, 0, False)), priority="LOW")
    if resume_from is not None:
        runner.resume(str(resume_from))
    try:
        runner.run([loader(demo, "train", TRAIN, 2, True)], [("train", 1)])
    except Stop:
        pass
    return runner, {k: v.clone() for k, v in model.state_dict().items()}


def test_resuming_mid_epoch_with_loader_workers_gives_the_same_weights(demo, tmp_path, logger):
    _, straight = train(demo, tmp_path / "straight", logger)
    train(demo, tmp_path / "stopped", logger, stop_at=4)  # epoch 2, after its first iteration
    _, resumed = train(demo, tmp_path / "resumed", logger, resume_from=tmp_path / "stopped" / "iter_4.pth")
    assert all(torch.equal(straight[k], resumed[k]) for k in straight)


def test_evaluation_on_decoded_clips_is_logged(demo, tmp_path, logger):
    runner, _ = train(demo, tmp_path / "eval", logger, evaluate=True)
    lines = (tmp_path / "eval").glob("*.log.json")
    text = next(lines).read_text()
    assert text.count('"mode": "val"') == 3 and '"top1_acc"' in text and '"top5_acc"' in text
