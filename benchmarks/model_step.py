"""The model step (forward, loss, backward, clipping, SGD step; the batch in memory) of vidrun against a plain
PyTorch restatement of the same network, and vidrun's opt-in speed settings, for TSM-R18 and I3D-R50.

For each network the script times, interleaved (every repeat runs each setting once, the order rotating):
- `plain PyTorch`: `plain_nets.py`'s restatement (torch.nn only) with vidrun's initial weights, in a bare loop:
  zero_grad, forward, `F.cross_entropy`, backward, `clip_grad_norm_`, `SGD.step`, `loss.item()`;
- `vidrun default`: the real runner — `EpochBasedRunner` with the config's default hooks (lr schedule,
  `OptimizerHook` with the config's clipping, `IterTimerHook`, `TextLoggerHook`), fed the same batch;
- the opt-in settings on that runner: `channels_last=True`, `compile=dict(dynamic=False)`, `fp16=dict(loss_scale=512.)`
  (bf16 autocast on the CPU) and `optimizer.foreach=True`. (`dynamic=False`: with `compile=True`, shapes made
  dynamic after a recompile made Inductor fail on I3D-R50 in torch 2.13.)
Before timing it checks that the restatement is the same network: with the same weights, batch and dropout
seed it gives vidrun's loss. Each cell is the median over repeats of the mean per step after `--warmup` steps
(compiling happens in the warm-up), in wall and in CPU time of the process (`time.process_time`, all threads):
on a shared machine CPU time is what other load changes least.

    python benchmarks/model_step.py [--iters 6] [--warmup 2] [--repeats 3] [--slow-iters 1] [--threads 1] [--quick]
"""
from __future__ import annotations

import argparse
import datetime
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from plain_nets import i3d_r50, plain_step, tsm_r18  # beside this script
from machine import machine
from vidrun import Config
from vidrun.apis.speed_settings import apply_speed_settings
from vidrun.models import build_model
from vidrun.models.legacy_keys import legacy_name
from vidrun.runner import build_optimizer, build_runner
from vidrun.runner.default_hooks import with_fp16
from vidrun.runner.hooks.hook import Hook

ROOT = Path(__file__).resolve().parents[1]
NETS = {  # name: (config, input shape [N, views, C, (T,) H, W], plain restatement)
    "TSM-R18": (ROOT / "configs/demo/tsm_r18_demo.py", (8, 8, 3, 56, 56), lambda cfg: tsm_r18(6, 8)),
    "I3D-R50": (ROOT / "configs/recognition/i3d/i3d_r50_32x2x1_100e_kinetics400_rgb.py", (2, 1, 3, 8, 64, 64),
                lambda cfg: i3d_r50(400)),
}
SETTINGS = {"plain PyTorch": None, "vidrun default": {}, "channels_last": {"channels_last": True},
            "compile": {"compile": {"dynamic": False}}, "bf16 autocast (fp16)": {"fp16": {"loss_scale": 512.0}},
            "SGD foreach": {"optimizer.foreach": True}}
# 10-30x slower without bf16 hardware: only in the first repeat, `--slow-iters` steps after 1 warm-up one
SLOW = ("bf16 autocast (fp16)",)


class StepClock(Hook):
    """Wall and CPU time from the end of step `warmup` to the end of the last step."""

    def __init__(self, warmup: int):
        self.warmup, self.start, self.end = warmup, None, None

    def after_train_iter(self, runner) -> None:
        now = (time.perf_counter(), time.process_time())
        if runner.iter + 1 == self.warmup:
            self.start = now
        self.end = now


def load_config(path: Path, options: dict) -> Config:
    cfg = Config.fromfile(path)
    cfg.merge_from_dict({"checkpoint_config": None, "evaluation": None, **options})
    return cfg


def batch_for(shape: tuple, classes: int) -> dict:
    generator = torch.Generator().manual_seed(0)
    return {"imgs": torch.randn(shape, generator=generator),
            "label": torch.randint(classes, (shape[0], 1), generator=generator)}


def vidrun_model(cfg: Config) -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model(cfg.model, train_cfg=cfg.get("train_cfg"), test_cfg=cfg.get("test_cfg"))


class Setting:
    """One row: its model is built once (compiled once) and trained on by every repeat."""

    def __init__(self, net: str, options: dict | None, shape: tuple, quiet: logging.Logger):
        path, _, make_plain = NETS[net]
        self.cfg = load_config(path, options or {})
        self.batch = batch_for(shape, self.cfg.model.cls_head.num_classes)
        self.model = vidrun_model(self.cfg)
        self.plain = None
        if options is None:
            self.plain = make_plain(self.cfg)
            # the plain nets name layers as torchvision does: vidrun's earlier names (vidrun.models.legacy_keys)
            self.plain.load_state_dict({legacy_name(k): v for k, v in self.model.state_dict().items()})
        else:
            apply_speed_settings(self.model, self.cfg, quiet)
        self.quiet = quiet

    def run(self, iters: int, warmup: int) -> tuple[float, float]:
        """(wall s, CPU s) per step."""
        if self.plain is not None:
            return self._run_plain(iters, warmup)
        cfg, work_dir = self.cfg, tempfile.mkdtemp(prefix="model_step_")
        runner = build_runner(dict(type="EpochBasedRunner", max_epochs=1), dict(
            model=self.model, optimizer=build_optimizer(self.model, cfg.optimizer), work_dir=work_dir,
            logger=self.quiet, meta={}))
        runner.register_training_hooks(cfg.lr_config, with_fp16(cfg.optimizer_config, cfg.get("fp16")), None,
                                       cfg.log_config, cfg.get("momentum_config"))
        clock = StepClock(warmup)
        runner.register_hook(clock, "LOWEST")
        runner.run([[self.batch] * (warmup + iters)], [("train", 1)])
        return tuple((end - start) / iters for start, end in zip(clock.start, clock.end))

    def _run_plain(self, iters: int, warmup: int) -> tuple[float, float]:
        cfg, net = self.cfg, self.plain
        options = {k: v for k, v in cfg.optimizer.items() if k != "type"}
        optimizer = torch.optim.SGD(net.parameters(), **options)
        max_norm = (cfg.optimizer_config.get("grad_clip") or {}).get("max_norm")
        net.train()
        for i in range(warmup + iters):
            plain_step(net, optimizer, self.batch["imgs"], self.batch["label"], max_norm)
            if i + 1 == warmup:
                start = (time.perf_counter(), time.process_time())
        return (time.perf_counter() - start[0]) / iters, (time.process_time() - start[1]) / iters


def check_same_network(setting: Setting) -> float:
    """|vidrun's loss − the restatement's| for the same weights, batch and dropout draw."""
    setting.model.train()
    setting.plain.train()
    torch.manual_seed(1)
    ours = setting.model.train_step(setting.batch)["loss"]
    torch.manual_seed(1)
    theirs = torch.nn.functional.cross_entropy(setting.plain(setting.batch["imgs"]), setting.batch["label"].view(-1))
    setting.model.load_state_dict(setting.plain.state_dict())  # undo the BN statistics' update of the forward
    return abs(float(ours.detach()) - float(theirs.detach()))


def measure(net: str, args, quiet: logging.Logger) -> dict[str, list[tuple[float, float]]]:
    shape = NETS[net][1] if not args.quick else (1,) + NETS[net][1][1:]
    chosen = [name for name in args.settings if not (args.quick and name == "compile")]
    settings = {name: Setting(net, SETTINGS[name], shape, quiet) for name in dict.fromkeys(
        ["plain PyTorch", "vidrun default", *chosen])}
    print(f"{net}: vidrun and the plain restatement give the same loss (|difference| "
          f"{check_same_network(settings['plain PyTorch']):.2e}) for the same weights and batch", flush=True)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in settings}
    names = list(settings)
    for repeat in range(args.repeats):
        for name in names[repeat % len(names):] + names[:repeat % len(names)]:
            if name in SLOW and repeat:
                continue
            iters, warmup = (args.slow_iters, 1) if name in SLOW else (args.iters, args.warmup)
            results[name].append(settings[name].run(iters, warmup))
            wall, cpu = results[name][-1]
            print(f"{time.strftime('%H:%M:%S')} {net} repeat {repeat + 1} {name}: {wall * 1e3:.0f} ms wall, "
                  f"{cpu * 1e3:.0f} ms CPU; load {os.getloadavg()[0]:.2f}", flush=True)
    return results


def print_table(net: str, results: dict[str, list[tuple[float, float]]]) -> None:
    median = {name: (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
              for name, runs in results.items()}
    plain, default = median["plain PyTorch"], median["vidrun default"]
    print(f"\n{net}\n| setting | ms/step wall | ms/step CPU | CPU / plain | CPU / vidrun default | "
          f"wall / vidrun default |\n| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, (wall, cpu) in median.items():
        print(f"| {name} | {wall * 1e3:.0f} | {cpu * 1e3:.0f} | {cpu / plain[1]:.3f} | {cpu / default[1]:.3f} | "
              f"{wall / default[0]:.3f} |")
    print(f"{net}: ratio vidrun default / plain PyTorch (CPU time): {default[1] / plain[1]:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow-iters", type=int, default=1, help=f"timed steps of {', '.join(SLOW)}")
    parser.add_argument("--iters", type=int, default=6, help="timed steps per setting and repeat")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first (compiling happens here)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of every setting (medians reported)")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--nets", nargs="+", default=list(NETS), choices=list(NETS))
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS),
                        help="the settings to time besides plain PyTorch and vidrun's default")
    parser.add_argument("--quick", action="store_true", help="a smoke run: batch 1, 1 step, no compile")
    args = parser.parse_args()
    if args.quick:
        args.iters, args.warmup, args.repeats, args.slow_iters = 1, 1, 1, 1
    torch.set_num_threads(args.threads)
    quiet = logging.getLogger("model_step")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    print(f"machine: {machine()}; date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"torch {torch.__version__}, {args.threads} thread(s); load average {os.getloadavg()[0]:.2f}")
    for net in args.nets:
        print_table(net, measure(net, args, quiet))
    print(f"\n{args.iters} timed steps after {args.warmup} warm-up ones ({args.slow_iters} after 1 for "
          f"{', '.join(SLOW)}), median of {args.repeats} repeats; "
          f"load average {os.getloadavg()[0]:.2f} after the run")


if __name__ == "__main__":
    main()
