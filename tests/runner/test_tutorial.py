"""Every snippet of the tutorial (shared/seed), with `mmcv`/`mmaction` replaced by `vidrun`/a user package,
loaded as a config and run through a real runner on the toy model."""
import json
import math
import sys
import textwrap

import pytest
import torch

from vidrun import Config
from vidrun.runner import EvalHook, build_optimizer, build_runner
from vidrun.runner.builder import runner_config

BASE = """
optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='step', step=[2])
runner = dict(type='EpochBasedRunner', max_epochs=3)
checkpoint_config = dict(interval=1)
log_config = dict(interval=2, hooks=[dict(type='TextLoggerHook')])
workflow = [('train', 1)]
"""

USER_PACKAGE = {
    "my_optimizer.py": """
        from torch.optim import SGD
        from vidrun.runner import OPTIMIZERS


        @OPTIMIZERS.register_module()
        class MyOptimizer(SGD):

            def __init__(self, params, a, b, c):
                super().__init__(params, lr=a, momentum=b, weight_decay=c)
    """,
    "my_constructor.py": """
        import torch
        from vidrun.runner import OPTIMIZER_BUILDERS


        @OPTIMIZER_BUILDERS.register_module()
        class MyOptimizerConstructor:

            def __init__(self, optimizer_cfg, paramwise_cfg=None):
                self.lr = optimizer_cfg['lr']

            def __call__(self, model):
                head = list(model.head.parameters())
                rest = [p for n, p in model.named_parameters() if not n.startswith('head.')]
                return torch.optim.SGD([dict(params=rest), dict(params=head, lr=self.lr * 10)], lr=self.lr)
    """,
    "my_hook.py": """
        from vidrun.runner import HOOKS, Hook

        EVENTS = []


        @HOOKS.register_module()
        class MyHook(Hook):

            def __init__(self, a, b):
                self.a, self.b = a, b

            def before_run(self, runner):
                EVENTS.append('before_run')

            def after_run(self, runner):
                EVENTS.append('after_run')

            def before_epoch(self, runner):
                EVENTS.append('before_epoch:' + runner.mode)

            def after_epoch(self, runner):
                EVENTS.append('after_epoch:' + runner.mode)

            def before_iter(self, runner):
                EVENTS.append('before_iter')

            def after_iter(self, runner):
                EVENTS.append('after_iter')
    """,
}


@pytest.fixture
def user_package(tmp_path, monkeypatch):
    """`tutorial_pkg`, a user package beside the configs, importable by name as a user's would be."""
    package = tmp_path / "tutorial_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, source in USER_PACKAGE.items():
        (package / name).write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "tutorial_pkg"
    for module in [m for m in sys.modules if m.startswith("tutorial_pkg")]:
        del sys.modules[module]


def train_from_config(cfg, model, train_loader, val_loader, work_dir, logger):
    """What `vidrun train` does with a config, on given loaders: optimizer, runner, default hooks,
    evaluation, workflow."""
    optimizer = build_optimizer(model, cfg.optimizer)
    runner = build_runner(runner_config(cfg), dict(model=model, optimizer=optimizer, work_dir=str(work_dir),
                                                   logger=logger))
    runner.register_training_hooks(cfg.lr_config, cfg.get("optimizer_config"), cfg.get("checkpoint_config"),
                                   cfg.get("log_config"), cfg.get("momentum_config"),
                                   custom_hooks_config=cfg.get("custom_hooks"))
    if cfg.get("evaluation") is not None:
        runner.register_hook(EvalHook(val_loader, **cfg.evaluation), "LOW")
    loaders = [train_loader if mode == "train" else val_loader for mode, _ in cfg.workflow]
    runner.run(loaders, cfg.workflow)
    return runner


def run_snippet(snippet, tmp_path, make_model, make_loader, logger, **cfg_overrides):
    config_file = tmp_path / "config.py"
    config_file.write_text(BASE + textwrap.dedent(snippet))
    cfg = Config.fromfile(str(config_file))
    cfg.merge_from_dict(cfg_overrides)
    model = make_model()
    runner = train_from_config(cfg, model, make_loader(size=12), make_loader(size=8, shuffle=False),
                               tmp_path / "work", logger)
    return cfg, model, runner


def json_records(runner):
    path = runner.work_dir + f"/{runner.timestamp}.log.json"
    with open(path) as file:
        return [json.loads(line) for line in file]


def test_adam(tmp_path, make_model, make_loader, quiet_logger):
    _, _, runner = run_snippet("optimizer = dict(type='Adam', lr=0.0003, weight_decay=0.0001)",
                               tmp_path, make_model, make_loader, quiet_logger)
    assert type(runner.optimizer).__name__ == "Adam" and runner.optimizer.defaults["weight_decay"] == 0.0001


def test_adam_with_every_argument(tmp_path, make_model, make_loader, quiet_logger):
    _, _, runner = run_snippet(
        "optimizer = dict(type='Adam', lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, amsgrad=False)",
        tmp_path, make_model, make_loader, quiet_logger)
    assert runner.optimizer.defaults["betas"] == (0.9, 0.999) and runner.optimizer.defaults["amsgrad"] is False


def test_my_optimizer_through_custom_imports(tmp_path, make_model, make_loader, quiet_logger, user_package):
    _, _, runner = run_snippet(f"""
        custom_imports = dict(imports=['{user_package}.my_optimizer'], allow_failed_imports=False)
        optimizer = dict(type='MyOptimizer', a=0.05, b=0.8, c=0.0)
    """, tmp_path, make_model, make_loader, quiet_logger)
    assert type(runner.optimizer).__name__ == "MyOptimizer"
    assert runner.optimizer.param_groups[0]["momentum"] == 0.8


def test_my_optimizer_constructor(tmp_path, make_model, make_loader, quiet_logger, user_package):
    _, model, runner = run_snippet(f"""
        custom_imports = dict(imports=['{user_package}.my_constructor'])
        optimizer = dict(type='SGD', lr=0.02, constructor='MyOptimizerConstructor')
    """, tmp_path, make_model, make_loader, quiet_logger)
    head_group = runner.optimizer.param_groups[1]
    assert head_group["params"][0] is model.head.weight and head_group["initial_lr"] == pytest.approx(0.2)


def test_grad_clip(tmp_path, make_model, make_loader, quiet_logger):
    _, _, runner = run_snippet("optimizer_config = dict(grad_clip=dict(max_norm=35, norm_type=2))",
                               tmp_path, make_model, make_loader, quiet_logger)
    assert all("grad_norm" in r for r in json_records(runner) if r["mode"] == "train")


def test_cyclic_lr_and_momentum(tmp_path, make_model, make_loader, quiet_logger):
    _, _, runner = run_snippet("""
        lr_config = dict(
            policy='cyclic',
            target_ratio=(10, 1e-4),
            cyclic_times=1,
            step_ratio_up=0.4,
        )
        momentum_config = dict(
            policy='cyclic',
            target_ratio=(0.85 / 0.95, 1),
            cyclic_times=1,
            step_ratio_up=0.4,
        )
    """, tmp_path, make_model, make_loader, quiet_logger)
    lrs = [r["lr"] for r in json_records(runner)]
    # 9 iterations: up to 10x over the first 3, then down towards 1e-4x; the last uses 5/6 of the way down
    assert max(lrs) > 0.02 * 3, "the lr climbs toward 10x"
    assert runner.current_lr()[0] == pytest.approx(2e-6 + 0.5 * (0.2 - 2e-6) * (math.cos(math.pi * 5 / 6) + 1))
    assert runner.current_momentum()[0] == pytest.approx(0.9 * 0.85 / 0.95 + 0.5 * (0.9 - 0.9 * 0.85 / 0.95)
                                                         * (1 - math.cos(math.pi * 5 / 6)))


def test_poly(tmp_path, make_model, make_loader, quiet_logger):
    _, _, runner = run_snippet("lr_config = dict(policy='poly', power=0.9, min_lr=1e-4, by_epoch=False)",
                               tmp_path, make_model, make_loader, quiet_logger)
    # 9 iterations; the last one uses p = 8: (0.02 - 1e-4) * (1 - 8/9) ** 0.9 + 1e-4
    assert runner.current_lr()[0] == pytest.approx((0.02 - 1e-4) * (1 / 9) ** 0.9 + 1e-4, rel=1e-12)


def test_cosine_annealing_with_warmup(tmp_path, make_model, make_loader, quiet_logger):
    _, _, runner = run_snippet("""
        lr_config = dict(
            policy='CosineAnnealing',
            warmup='linear',
            warmup_iters=1000,
            warmup_ratio=1.0 / 10,
            min_lr_ratio=1e-5)
    """, tmp_path, make_model, make_loader, quiet_logger)
    # all 9 iterations are inside the warm-up; the last: epoch 2 of 3 regular value, warmed at it = 8
    regular = 0.02 * 1e-5 + 0.5 * (0.02 - 0.02 * 1e-5) * (1 + torch.cos(torch.tensor(torch.pi * 2 / 3)).item())
    expected = regular * (1 - (1 - 8 / 1000) * (1 - 0.1))
    assert runner.current_lr()[0] == pytest.approx(expected, rel=1e-6)


def test_workflow_with_val(tmp_path, make_model, make_loader, quiet_logger):
    _, _, runner = run_snippet("workflow = [('train', 1), ('val', 1)]", tmp_path, make_model, make_loader,
                               quiet_logger)
    modes = [(r["mode"], r["epoch"]) for r in json_records(runner) if r["mode"] == "val"]
    assert modes == [("val", 1), ("val", 2), ("val", 3)]
    assert runner.epoch == 3 and runner.iter == 9


def test_my_hook_with_priority(tmp_path, make_model, make_loader, quiet_logger, user_package):
    cfg, _, runner = run_snippet(f"""
        custom_imports = dict(imports=['{user_package}.my_hook'], allow_failed_imports=False)
        custom_hooks = [
            dict(type='MyHook', a=1, b=2, priority='NORMAL')
        ]
        workflow = [('train', 1), ('val', 1)]
    """, tmp_path, make_model, make_loader, quiet_logger, **{"runner.max_epochs": 1})
    events = sys.modules[f"{user_package}.my_hook"].EVENTS
    assert events == (["before_run", "before_epoch:train"] + ["before_iter", "after_iter"] * 3
                      + ["after_epoch:train", "before_epoch:val"] + ["before_iter", "after_iter"] * 2
                      + ["after_epoch:val", "after_run"])
    hook = next(h for h in runner.hooks if type(h).__name__ == "MyHook")
    assert (hook.a, hook.b, hook.priority) == (1, 2, 50)


def test_checkpoint_config_with_max_keep_ckpts(tmp_path, make_model, make_loader, quiet_logger):
    run_snippet("checkpoint_config = dict(interval=1, max_keep_ckpts=2, save_optimizer=False)", tmp_path,
                make_model, make_loader, quiet_logger)
    work = tmp_path / "work"
    assert sorted(p.name for p in work.glob("*.pth")) == ["epoch_2.pth", "epoch_3.pth", "latest.pth"]
    latest = torch.load(work / "latest.pth", weights_only=True)
    assert latest["meta"]["epoch"] == 3 and latest.get("optimizer") is None


def test_log_config(tmp_path, make_model, make_loader, quiet_logger):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    _, _, runner = run_snippet("""
        log_config = dict(
            interval=50,
            hooks=[
                dict(type='TextLoggerHook'),
                dict(type='TensorboardLoggerHook')
            ])
    """, tmp_path, make_model, make_loader, quiet_logger)
    assert [(r["epoch"], r["iter"]) for r in json_records(runner)] == [(1, 3), (2, 3), (3, 3)]
    events = EventAccumulator(str(tmp_path / "work" / "tf_logs"))
    events.Reload()
    assert [e.step for e in events.Scalars("train/loss")] == [3, 6, 9]


def test_evaluation(tmp_path, make_model, make_loader, quiet_logger):
    _, _, runner = run_snippet("evaluation = dict(interval=1, metrics='top_k_accuracy', save_best='auto')",
                               tmp_path, make_model, make_loader, quiet_logger)
    scores = [r for r in json_records(runner) if r["mode"] == "val"]
    assert [r["epoch"] for r in scores] == [1, 2, 3] and all(0 <= r["top1_acc"] <= 1 for r in scores)
    best = list((tmp_path / "work").glob("best_top1_acc_epoch_*.pth"))
    assert len(best) == 1
    assert runner.meta["hook_msgs"]["best_score"] == max(r["top1_acc"] for r in scores)
