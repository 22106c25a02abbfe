"""What vidrun's runner costs over a hand-written PyTorch loop, and what importing it costs.

Trains the same small model on the same in-memory data twice per repeat — once with a plain loop (zero_grad,
forward, backward, step, step-lr each epoch, a checkpoint each epoch, the mean loss logged every 50
iterations) and once
with `EpochBasedRunner` and the default hooks doing the same (step lr, optimizer, checkpoint each epoch,
iteration timer, text logger with interval 50) — and reports the median time ratio. Then measures
`import vidrun.runner` beyond `import torch` in fresh interpreters.

    python benchmarks/runner_overhead.py [--epochs 5] [--repeats 5]
"""
from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU())
        self.head = nn.Linear(512, 10)

    def forward(self, x):
        return self.head(self.body(x))

    def train_step(self, batch, optimizer):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        return {"loss": loss, "log_vars": {"loss": loss.item()}, "num_samples": len(x)}


def data() -> DataLoader:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(8192, 256, generator=generator)
    y = torch.randint(0, 10, (8192,), generator=generator)
    return DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)


def plain_loop(epochs: int, work_dir: str) -> float:
    torch.manual_seed(0)
    model, loader = Model(), data()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, [epochs // 2], 0.1)
    start = time.perf_counter()
    for epoch in range(epochs):
        running = 0.0
        for i, (x, y) in enumerate(loader):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            running += loss.item()  # the logged value is the mean over the interval, as the runner's is
            if (i + 1) % 50 == 0:
                logging.getLogger("plain").info("epoch %d iter %d loss %.4f", epoch, i, running / 50)
                running = 0.0
        scheduler.step()
        torch.save({"state_dict": model.state_dict(), "optimizer": optimizer.state_dict()},
                   f"{work_dir}/plain_epoch_{epoch + 1}.pth")
    return time.perf_counter() - start


def vidrun_runner(epochs: int, work_dir: str) -> float:
    from vidrun.runner import EpochBasedRunner

    torch.manual_seed(0)
    model, loader = Model(), data()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    logger = logging.getLogger("runner")
    runner = EpochBasedRunner(model, optimizer, work_dir, logger, max_epochs=epochs)
    runner.register_training_hooks(dict(policy="step", step=[epochs // 2]), dict(), dict(interval=1),
                                   dict(interval=50, hooks=[dict(type="TextLoggerHook")]))
    start = time.perf_counter()
    runner.run([loader], [("train", 1)])
    return time.perf_counter() - start


def import_time(statement: str, repeats: int = 5) -> float:
    code = f"import time, torch; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(repeats)]
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(1)
    ratios = []
    with tempfile.TemporaryDirectory() as work_dir:
        for _ in range(args.repeats):
            plain, runner = plain_loop(args.epochs, work_dir), vidrun_runner(args.epochs, work_dir)
            ratios.append(runner / plain)
            print(f"plain {plain:.3f} s   runner {runner:.3f} s   ratio {runner / plain:.3f}")
    print(f"median ratio runner/plain over {args.repeats} repeats: {statistics.median(ratios):.3f} (target <= 1.05)")
    print(f"import vidrun.runner after torch: {import_time('import vidrun.runner'):.3f} s (target < 0.3 s)")


if __name__ == "__main__":
    main()
