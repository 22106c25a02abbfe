"""Forward + backward time of vidrun's I3D-R50 and SlowFast-R50 (built from configs/_base_/models) beside a plain
PyTorch restatement of the same networks (nn.Conv3d / BatchNorm3d / ReLU written out here, no vidrun code).

The plain models get the vidrun models' weights (same tensors in the same order) and the script first checks
that both give the same training loss, so the two compute the same thing; then it times `steps` training
iterations (zero_grad, forward, cross-entropy, backward) of each, interleaved, on one thread, with the process
CPU time (the machine may be shared: CPU time counts only this process's work). Prints the median per model.

    python benchmarks/zoo_step.py [--repeats 5] [--batch 2] [--frames 16] [--size 64]
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]


def bn(channels: int) -> nn.BatchNorm3d:
    return nn.BatchNorm3d(channels)


class Bottleneck(nn.Module):
    """1×1 (3×1×1 when inflated) → 1×3×3 (strided) → 1×1, ×4 channels, projection shortcut where needed."""

    def __init__(self, cin: int, planes: int, stride: int, t_stride: int, inflate: bool):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv3d(cin, planes, (3, 1, 1) if inflate else 1, 1, (1, 0, 0) if inflate else 0,
                                         bias=False), bn(planes)
        self.conv2, self.bn2 = nn.Conv3d(planes, planes, (1, 3, 3), (t_stride, stride, stride), (0, 1, 1),
                                         bias=False), bn(planes)
        self.conv3, self.bn3 = nn.Conv3d(planes, planes * 4, 1, bias=False), bn(planes * 4)
        self.down = (nn.Sequential(nn.Conv3d(cin, planes * 4, 1, (t_stride, stride, stride), bias=False),
                                   bn(planes * 4)) if stride != 1 or cin != planes * 4 else None)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (x if self.down is None else self.down(x)))


class Pathway(nn.Module):
    """A ResNet-50 3D: stem (conv, BN, ReLU, max pool (1,3,3)), four stages; `extra[i]`: lateral channels the
    first block of stage i also takes."""

    def __init__(self, base: int, kernel, t_stride: int, pool_t: int, inflate, extra=(0, 0, 0, 0)):
        super().__init__()
        self.conv1 = nn.Conv3d(3, base, kernel, (t_stride, 2, 2), (kernel[0] // 2, 3, 3), bias=False)
        self.bn1 = bn(base)
        self.pool = nn.MaxPool3d((1, 3, 3), (pool_t, 2, 2), (0, 1, 1))
        cin, self.stages = base, nn.ModuleList()
        for i, (blocks, flags) in enumerate(zip((3, 4, 6, 3), inflate)):
            planes = base * 2 ** i
            stage = [Bottleneck(cin + extra[i], planes, 1 if i == 0 else 2, 1, bool(flags[0]))]
            stage += [Bottleneck(planes * 4, planes, 1, 1, bool(f)) for f in flags[1:blocks]]
            self.stages.append(nn.Sequential(*stage))
            cin = planes * 4

    def stem(self, x):
        return self.pool(F.relu(self.bn1(self.conv1(x))))


class PlainI3D(nn.Module):
    def __init__(self, classes: int):
        super().__init__()
        self.net = Pathway(64, (5, 7, 7), 2, 2, ((1, 1, 1), (1, 0, 1, 0), (1, 0, 1, 0, 1, 0), (0, 1, 0)))
        self.fc = nn.Linear(2048, classes)

    def forward(self, x):
        x = self.net.stem(x)
        for i, stage in enumerate(self.net.stages):
            x = stage(x)
            if i == 0:
                x = F.max_pool3d(x, (2, 1, 1), (2, 1, 1))
        return self.fc(F.dropout(F.adaptive_avg_pool3d(x, 1).flatten(1), 0.5, self.training))


class PlainSlowFast(nn.Module):
    def __init__(self, classes: int, tau: int = 8, alpha: int = 8, beta: int = 8, fusion: int = 5):
        super().__init__()
        self.tau, self.alpha = tau, alpha
        self.slow = Pathway(64, (1, 7, 7), 1, 1, ((0,) * 3, (0,) * 4, (1,) * 6, (1,) * 3),
                            extra=tuple(c * 2 // beta for c in (64, 256, 512, 1024)))
        self.lateral = nn.ModuleList(nn.Conv3d(c // beta, c * 2 // beta, (fusion, 1, 1), (alpha, 1, 1),
                                               (fusion // 2, 0, 0), bias=False) for c in (64, 256, 512, 1024))
        self.fast = Pathway(8, (5, 7, 7), 1, 1, ((1,) * 3, (1,) * 4, (1,) * 6, (1,) * 3))
        self.fc = nn.Linear(2304, classes)

    def forward(self, x):
        slow, fast = self.slow.stem(x[:, :, ::self.tau]), self.fast.stem(x[:, :, ::self.tau // self.alpha])
        slow = torch.cat((slow, self.lateral[0](fast)), 1)
        for i in range(4):
            slow, fast = self.slow.stages[i](slow), self.fast.stages[i](fast)
            if i < 3:
                slow = torch.cat((slow, self.lateral[i + 1](fast)), 1)
        pooled = torch.cat((F.adaptive_avg_pool3d(fast, 1), F.adaptive_avg_pool3d(slow, 1)), 1).flatten(1)
        return self.fc(F.dropout(pooled, 0.5, self.training))


def slowfast_order(vidrun_model) -> list[torch.Tensor]:
    """vidrun's SlowFast tensors in the plain model's order: slow pathway (laterals last in vidrun) → stem,
    stages, then laterals, as PlainSlowFast registers them."""
    state = vidrun_model.state_dict()
    slow = [v for k, v in state.items() if k.startswith("backbone.slow_path.") and "lateral" not in k]
    lateral = [v for k, v in state.items() if "lateral" in k]
    rest = [v for k, v in state.items() if not k.startswith("backbone.slow_path.")]
    return slow + lateral + rest


def copy_weights(plain: nn.Module, tensors: list[torch.Tensor]) -> None:
    targets = list(plain.state_dict().values())
    assert len(targets) == len(tensors), (len(targets), len(tensors))
    with torch.no_grad():
        for target, source in zip(targets, tensors):
            assert target.shape == source.shape, (target.shape, source.shape)
            target.copy_(source)


def step(model: nn.Module, forward, x: torch.Tensor, y: torch.Tensor) -> float:
    model.zero_grad(set_to_none=True)
    start = time.process_time()
    loss = F.cross_entropy(forward(x), y)
    loss.backward()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from vidrun import Config
    from vidrun.models import build_model

    x = torch.randn(args.batch, 3, args.frames, args.size, args.size)
    y = torch.arange(args.batch) % 10
    for name, plain, order in (("I3D-R50", PlainI3D(10), lambda m: list(m.state_dict().values())),
                               ("SlowFast-R50", PlainSlowFast(10), slowfast_order)):
        cfg = Config.fromfile(str(ROOT / f"configs/_base_/models/{name.split('-')[0].lower()}_r50.py")).model
        cfg.cls_head.num_classes = 10
        torch.manual_seed(0)
        model = build_model(cfg).train()
        model.init_weights()
        copy_weights(plain, order(model))
        plain.train()
        ours = lambda clips, m=model: m.cls_head(m.backbone(clips))  # noqa: E731 - the recognizer's train path
        torch.manual_seed(1)
        loss_ours = F.cross_entropy(ours(x), y)
        torch.manual_seed(1)
        loss_plain = F.cross_entropy(plain(x), y)
        assert torch.allclose(loss_ours, loss_plain, rtol=1e-4), (name, float(loss_ours), float(loss_plain))
        times = {"vidrun": [], "plain": []}
        for _ in range(args.repeats):  # interleaved, so both see the same machine load
            times["vidrun"].append(step(model, ours, x, y))
            times["plain"].append(step(plain, plain, x, y))
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{name}: input {list(x.shape)}, forward+backward CPU s (median of {args.repeats}): "
              f"vidrun {med['vidrun']:.3f}, plain {med['plain']:.3f}, ratio {med['vidrun'] / med['plain']:.3f}")


if __name__ == "__main__":
    main()
