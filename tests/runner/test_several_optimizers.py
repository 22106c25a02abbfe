"""Several optimizers (`optimizer=dict(generator=dict(type=...), discriminator=dict(type=...))`): built one per
sub-module, the model's train_step steps them (`optimizer_config=None`), every lr and momentum policy sets every
optimizer exactly as it would set that optimizer alone, checkpoints hold each optimizer's state, and a resumed
run ends bit for bit where an uninterrupted one does."""
import json

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from vidrun import Config
from vidrun.config import ConfigError
from vidrun.runner import EpochBasedRunner, Hook, IterBasedRunner, build_optimizer

CFG = dict(generator=dict(type="Adam", lr=0.01, betas=(0.5, 0.999)),
           discriminator=dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4,
                              paramwise_cfg=dict(bias_lr_mult=2.0, norm_decay_mult=0.0)))


class TwoPart(nn.Module):
    """A GAN-like pair: the discriminator learns to tell data from the generator's output, the generator to
    fool it; train_step steps both optimizers itself and records the lr and momentum each group used."""

    def __init__(self):
        super().__init__()
        self.generator = nn.Linear(4, 4)
        self.discriminator = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2),
                                           nn.Linear(8, 1))
        self.seen = []

    def train_step(self, data_batch, optimizer):
        self.seen.append({name: [(g["lr"], g.get("momentum", g.get("betas", (None,))[0]))
                                 for g in opt.param_groups] for name, opt in optimizer.items()})
        real = data_batch["imgs"]
        fake = self.generator(real + 0.1 * torch.randn_like(real))
        loss_d = (F.softplus(self.discriminator(fake.detach())) + F.softplus(-self.discriminator(real))).mean()
        optimizer["discriminator"].zero_grad()
        loss_d.backward()
        optimizer["discriminator"].step()
        loss_g = F.softplus(-self.discriminator(fake)).mean()
        optimizer["generator"].zero_grad()
        loss_g.backward()
        optimizer["generator"].step()
        log_vars = {"loss_d": float(loss_d.detach()), "loss_g": float(loss_g.detach())}
        return {"loss": (loss_d + loss_g).detach(), "log_vars": log_vars, "num_samples": len(real)}

    def val_step(self, data_batch, optimizer):
        return {"log_vars": {}, "num_samples": 1}


class Stop(Exception):
    pass


class StopAfter(Hook):
    def __init__(self, at):
        self.at = at

    def after_train_iter(self, runner):
        if runner.iter + 1 == self.at:
            raise Stop()


def test_build_gives_one_optimizer_per_sub_module_with_its_own_paramwise_cfg():
    model = TwoPart()
    optimizers = build_optimizer(model, CFG)
    assert list(optimizers) == ["generator", "discriminator"]
    assert isinstance(optimizers["generator"], torch.optim.Adam)
    assert [p for g in optimizers["generator"].param_groups for p in g["params"]] == \
        list(model.generator.parameters())
    groups = optimizers["discriminator"].param_groups
    assert [p for g in groups for p in g["params"]] == list(model.discriminator.parameters())
    # Linear weight, Linear bias (2x lr), BN weight and bias (no decay), last Linear weight and bias
    assert [g["lr"] for g in groups] == [0.1, 0.2, 0.1, 0.1, 0.1, 0.2]
    assert [g["weight_decay"] for g in groups] == [1e-4, 1e-4, 0.0, 0.0, 1e-4, 1e-4]


def test_config_errors_name_the_key_path_inside_the_dict(tmp_path):
    path = tmp_path / "gan.py"
    path.write_text("optimizer = dict(\n"
                    "    generator=dict(type='Adam', lr=0.01, betass=(0.5, 0.9)),\n"
                    "    discriminater=dict(type='SGD', lr=0.1, paramwise_cfg=dict(bias_lr_mul=2.)))\n")
    cfg = Config.fromfile(str(path))
    with pytest.raises(ConfigError) as error:
        build_optimizer(TwoPart(), cfg.optimizer)
    message = str(error.value)
    assert "optimizer.generator.betass" in message and "did you mean 'betas'" in message
    assert "optimizer.discriminater" in message and "did you mean 'discriminator'" in message
    assert "optimizer.discriminater.paramwise_cfg.bias_lr_mul" in message


def _iter_runner(model, optimizer, max_iters, work_dir=None):
    logger = __import__("logging").getLogger("test_several")
    return IterBasedRunner(model, optimizer, work_dir, logger, max_iters=max_iters)


LR_POLICIES = {
    "fixed": dict(policy="fixed", warmup="linear", warmup_iters=3),
    "step": dict(policy="step", step=[3, 6], warmup="constant", warmup_iters=2),
    "exp": dict(policy="exp", gamma=0.9, warmup="exp", warmup_iters=3),
    "poly": dict(policy="poly", power=2.0, min_lr=1e-4),
    "inv": dict(policy="inv", gamma=0.1, power=0.5),
    "CosineAnnealing": dict(policy="CosineAnnealing", min_lr_ratio=0.01, warmup="linear", warmup_iters=2),
    "FlatCosineAnnealing": dict(policy="FlatCosineAnnealing", start_percent=0.5, min_lr=1e-4),
    "CosineRestart": dict(policy="CosineRestart", periods=[4, 6], restart_weights=[1, 0.5], min_lr=1e-4),
    "LinearAnnealing": dict(policy="LinearAnnealing", min_lr_ratio=0.1),
    "cyclic": dict(policy="cyclic", target_ratio=(10, 1e-4), cyclic_times=2),
    "OneCycle": dict(policy="OneCycle", max_lr=dict(generator=0.05, discriminator=[0.5] * 6)),
}
MOMENTUM_POLICIES = {
    "step": dict(policy="step", step=[4], gamma=0.5, warmup="linear", warmup_iters=3),
    "CosineAnnealing": dict(policy="CosineAnnealing", min_momentum_ratio=0.5),
    "LinearAnnealing": dict(policy="LinearAnnealing", min_momentum=0.4, warmup="constant", warmup_iters=2),
    "cyclic": dict(policy="cyclic"),
    "OneCycle": dict(policy="OneCycle"),
}


def _trace(make_loader, lr_config, momentum_config, only=None):
    """The (lr, momentum) each group used at each of 10 iterations; `only`: the runner gets that optimizer
    alone (a one-optimizer run of the same hooks, for comparison), otherwise the dict of both."""
    torch.manual_seed(0)
    model = TwoPart()
    optimizers = build_optimizer(model, CFG)
    if only is not None:
        lr_config = dict(lr_config or {})
        if isinstance(lr_config.get("max_lr"), dict):
            lr_config["max_lr"] = lr_config["max_lr"][only]
        single = optimizers[only]
        model.train_step = lambda batch, optimizer: (model.seen.append({only: [
            (g["lr"], g.get("momentum", g.get("betas", (None,))[0])) for g in optimizer.param_groups]})
            or {"log_vars": {}, "num_samples": 1})
        optimizers, lr_config = single, lr_config or None
    runner = _iter_runner(model, optimizers, 10)
    runner.register_training_hooks(lr_config, None, momentum_config=momentum_config)
    runner.run([make_loader(size=12)], [("train", 10)])
    return model.seen


@pytest.mark.parametrize("policy", list(LR_POLICIES))
def test_every_lr_policy_sets_every_optimizer(policy, make_loader):
    both = _trace(make_loader, LR_POLICIES[policy], None)
    for name in ("generator", "discriminator"):
        alone = _trace(make_loader, LR_POLICIES[policy], None, only=name)
        assert [step[name] for step in both] == [step[name] for step in alone]
    lrs = [group[0] for step in both for group in step["discriminator"]]
    if policy != "fixed":
        assert len(set(lrs)) > 2, "the schedule changed nothing"
    else:  # warm-up only
        assert both[0]["generator"][0][0] == pytest.approx(0.01 * 0.1) and both[5]["generator"][0][0] == 0.01


@pytest.mark.parametrize("policy", list(MOMENTUM_POLICIES))
def test_every_momentum_policy_sets_every_optimizer(policy, make_loader):
    both = _trace(make_loader, None, MOMENTUM_POLICIES[policy])
    for name in ("generator", "discriminator"):
        alone = _trace(make_loader, None, MOMENTUM_POLICIES[policy], only=name)
        assert [step[name] for step in both] == [step[name] for step in alone]
        assert len({group[1] for step in both for group in step[name]}) > 2  # Adam's betas[0] too


def test_current_lr_and_momentum_are_dicts_of_lists(make_loader):
    model = TwoPart()
    runner = _iter_runner(model, build_optimizer(model, CFG), 2)
    assert runner.current_lr() == {"generator": [0.01], "discriminator": [0.1, 0.2, 0.1, 0.1, 0.1, 0.2]}
    assert runner.current_momentum() == {"generator": [0.5], "discriminator": [0.9] * 6}


def test_optimizer_hook_refuses_a_dict_of_optimizers(make_loader):
    model = TwoPart()
    runner = _iter_runner(model, build_optimizer(model, CFG), 2)
    runner.register_training_hooks(None, dict(grad_clip=None))
    with pytest.raises(ConfigError, match=r"several \(generator, discriminator\).*optimizer_config=None"):
        runner.run([make_loader(size=12)], [("train", 2)])


def _run(work_dir, make_loader, stop_at=None, resume_from=None):
    torch.manual_seed(0)
    model = TwoPart()
    runner = EpochBasedRunner(model, build_optimizer(model, CFG), str(work_dir),
                              __import__("logging").getLogger("test_several"), max_epochs=3)
    runner.register_training_hooks(
        dict(policy="step", step=[2], warmup="linear", warmup_iters=4), None, dict(interval=1, by_epoch=False),
        dict(interval=2, hooks=[dict(type="TextLoggerHook")]),
        dict(policy="CosineAnnealing", min_momentum_ratio=0.8, by_epoch=False),
        custom_hooks_config=[StopAfter(stop_at)] if stop_at else None)
    if resume_from is not None:
        runner.resume(str(resume_from))
    try:
        runner.run([make_loader(size=12)], [("train", 1)])
    except Stop:
        pass
    return model.state_dict(), runner


def test_exact_resume_with_two_optimizers_stepped_by_train_step(tmp_path, make_loader):
    straight, _ = _run(tmp_path / "straight", make_loader)
    _run(tmp_path / "stopped", make_loader, stop_at=4)
    checkpoint = torch.load(tmp_path / "stopped" / "iter_4.pth", weights_only=True)
    assert set(checkpoint["optimizer"]) == {"generator", "discriminator"}
    assert checkpoint["optimizer"]["generator"]["state"], "Adam's moments are saved"
    resumed, runner = _run(tmp_path / "resumed", make_loader, resume_from=tmp_path / "stopped" / "iter_4.pth")
    assert runner.iter == 9
    different = [k for k in straight if not torch.equal(straight[k], resumed[k])]
    assert not different, f"weights differ after resume: {different}"
    log = next((tmp_path / "straight").glob("*.log.json")).read_text().splitlines()
    record = json.loads([line for line in log if '"mode": "train"' in line][0])
    assert set(record["lr"]) == {"generator", "discriminator"}


def test_resume_refuses_a_checkpoint_of_other_optimizers(tmp_path, make_loader):
    _run(tmp_path / "stopped", make_loader, stop_at=2)
    model = TwoPart()
    runner = EpochBasedRunner(model, build_optimizer(model, dict(generator=CFG["generator"])), str(tmp_path),
                              max_epochs=1)
    with pytest.raises(ValueError, match="optimizer.*discriminator.*that this runner does not have"):
        runner.resume(str(tmp_path / "stopped" / "iter_2.pth"))


def test_loggers_show_each_optimizers_lr():
    from vidrun.runner.hooks.logger.text import TextLoggerHook
    from vidrun.runner.hooks.logger.tracking import scalars
    record = {"mode": "train", "epoch": 1, "iter": 2, "lr": {"generator": 0.01, "discriminator": 0.1},
              "momentum": {"generator": 0.5, "discriminator": 0.9}, "loss_d": 0.5}
    assert scalars(record) == {"train/loss_d": 0.5, "learning_rate/generator": 0.01,
                               "learning_rate/discriminator": 0.1, "momentum/generator": 0.5,
                               "momentum/discriminator": 0.9}
    runner = type("R", (), {"unit": "iter", "max_iters": 10})()
    line = TextLoggerHook().format(runner, record)
    assert "lr_generator: 1.000e-02, lr_discriminator: 1.000e-01" in line


def test_the_docs_example_builds():
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "docs" / "optimizers.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "generator=dict(" in b)
    namespace = {}
    exec(block, namespace)
    assert namespace["optimizer_config"] is None
    optimizers = build_optimizer(TwoPart(), namespace["optimizer"])
    assert [g["weight_decay"] for g in optimizers["discriminator"].param_groups] == [1e-4, 1e-4, 0.0, 0.0, 1e-4, 1e-4]


def test_a_runner_refuses_what_is_not_an_optimizer_or_a_dict_of_them():
    model = TwoPart()
    with pytest.raises(TypeError, match=r"optimizer\['discriminator'\] is a str, not a torch optimizer"):
        EpochBasedRunner(model, dict(generator=torch.optim.SGD(model.parameters(), lr=0.1), discriminator="SGD"),
                         max_epochs=1)
    with pytest.raises(TypeError, match="the runner's optimizer is a list"):
        EpochBasedRunner(model, [torch.optim.SGD(model.parameters(), lr=0.1)], max_epochs=1)


def test_one_cycle_momentum_takes_values_per_optimizer_and_group(make_loader):
    momentum_config = dict(policy="OneCycle", base_momentum=dict(generator=0.6, discriminator=[0.8, 0.7] * 3),
                           max_momentum=dict(generator=0.9, discriminator=0.95))
    seen = _trace(make_loader, None, momentum_config)
    # 10 iterations, pct_start 0.3: the max at 0, the base at the lr peak (iteration 2), the max again at 9
    for step, expected_g, expected_d in ((0, 0.9, [0.95] * 6), (2, 0.6, [0.8, 0.7] * 3), (9, 0.9, [0.95] * 6)):
        assert seen[step]["generator"][0][1] == pytest.approx(expected_g)
        assert [m for _, m in seen[step]["discriminator"]] == pytest.approx(expected_d)
    with pytest.raises(ValueError, match="momentum_config.base_momentum has no value for optimizer 'generator'"):
        _trace(make_loader, None, dict(policy="OneCycle", base_momentum=dict(discriminator=0.8)))
