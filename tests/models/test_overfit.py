"""A model learns: a small 3D network fits a handful of generated demo clips (decoded for real) perfectly."""
import torch

from vidrun.datasets import VideoDataset
from vidrun.datasets.demo_clips import ClipSpec
from vidrun.datasets.demo_data import make_demo_data
from vidrun.models import build_model

PIPELINE = [dict(type="PyAVInit"), dict(type="SampleFrames", clip_len=8, num_clips=1, test_mode=True),
            dict(type="PyAVDecode"), dict(type="Resize", scale=(32, 32), keep_ratio=False),
            dict(type="Normalize", mean=[110.0] * 3, std=[60.0] * 3),
            dict(type="FormatShape", input_format="NCTHW"), dict(type="Collect", keys=["imgs", "label"], meta_keys=[]),
            dict(type="ToTensor", keys=["imgs", "label"])]


def test_a_small_3d_model_overfits_six_clips(tmp_path):
    make_demo_data(tmp_path, num_train=6, num_val=1, spec=ClipSpec(size=48, num_frames=8, radius=(5.0, 7.0)))
    dataset = VideoDataset(str(tmp_path / "train.txt"), PIPELINE, data_prefix=str(tmp_path / "videos"))
    samples = [dataset[i] for i in range(6)]  # one of each class: shapes x directions
    batch = dict(imgs=torch.stack([s["imgs"] for s in samples]), label=torch.stack([s["label"] for s in samples]))
    torch.manual_seed(0)
    model = build_model(dict(
        type="Recognizer3D",
        backbone=dict(type="ResNet3d", depth=18, base_channels=8, conv1_stride_t=1, pool1_stride_t=1,
                      with_pool2=False),
        cls_head=dict(type="I3DHead", num_classes=6, in_channels=64, dropout_ratio=0.0)))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(40):
        outputs = model.train_step(batch, optimizer)
        optimizer.zero_grad()
        outputs["loss"].backward()
        optimizer.step()
    assert outputs["log_vars"]["top1_acc"] == 1.0 and outputs["log_vars"]["loss"] < 0.1
    model.eval()
    assert (model(batch["imgs"], return_loss=False).argmax(1) == batch["label"].view(-1).numpy()).all()
