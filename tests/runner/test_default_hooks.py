"""The default hooks: which, in what order, from which config keys."""
import pytest
import torch

from vidrun import Config
from vidrun.config import ConfigError
from vidrun.runner import HOOKS, EpochBasedRunner, Hook, IterBasedRunner


@HOOKS.register_module()
class RecordingTestHook(Hook):
    def __init__(self, a, b):
        self.a, self.b = a, b


def make_runner(model, logger, tmp_path, cls=EpochBasedRunner):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    length = {"max_epochs": 2} if cls is EpochBasedRunner else {"max_iters": 4}
    return cls(model, optimizer, str(tmp_path), logger, **length)


def test_default_hooks_in_documented_order(toy_model, quiet_logger, tmp_path):
    runner = make_runner(toy_model, quiet_logger, tmp_path)
    runner.register_training_hooks(
        lr_config=dict(policy="step", step=[1]), optimizer_config=dict(grad_clip=None),
        checkpoint_config=dict(interval=1), log_config=dict(interval=5, hooks=[dict(type="TextLoggerHook")]),
        momentum_config=dict(policy="cosine_annealing", min_momentum_ratio=0.5),
        custom_hooks_config=[dict(type="RecordingTestHook", a=1, b=2),
                             dict(type="RecordingTestHook", a=3, b=4, priority="HIGHEST")])
    order = [(type(h).__name__, h.priority) for h in runner.hooks]
    assert order == [("RecordingTestHook", 0), ("StepLrUpdaterHook", 10),
                     ("CosineAnnealingMomentumUpdaterHook", 30), ("OptimizerHook", 40), ("CheckpointHook", 50),
                     ("RecordingTestHook", 50), ("IterTimerHook", 70), ("TextLoggerHook", 90)]
    assert runner.hooks[-1].interval == 5
    table = runner.hook_order()
    assert "StepLrUpdaterHook" in table and "before_train_iter" in table and "10" in table


def test_policy_spellings_and_unknown_policy(toy_model, quiet_logger, tmp_path):
    for spelling in ("CosineAnnealing", "cosineannealing", "cosine_annealing", "COSINE_ANNEALING"):
        runner = make_runner(toy_model, quiet_logger, tmp_path)
        lr_config = dict(policy=spelling, min_lr=0.0)
        runner.register_training_hooks(lr_config)
        assert type(runner.hooks[0]).__name__ == "CosineAnnealingLrUpdaterHook"
        assert lr_config == dict(policy=spelling, min_lr=0.0), "the user's dict must not change"
    runner = make_runner(toy_model, quiet_logger, tmp_path)
    with pytest.raises(ConfigError, match="lr_config.policy: unknown policy 'CosineAneal' \\(did you mean "
                                          "'CosineAnnealing'.*known: .*Step"):
        runner.register_training_hooks(dict(policy="CosineAneal"))


def test_config_key_paths_reach_hook_errors(toy_model, quiet_logger, tmp_path):
    config_file = tmp_path / "c.py"
    config_file.write_text("lr_config = dict(policy='step', step=[1], gama=0.5)\n"
                           "custom_hooks = [dict(type='RecordingTestHook', a=1, c=2)]\n")
    cfg = Config.fromfile(str(config_file))
    runner = make_runner(toy_model, quiet_logger, tmp_path)
    with pytest.raises(ConfigError, match=r"lr_config\.gama \(.*c\.py:1\): StepLrUpdaterHook takes no argument "
                                          r"'gama' \(did you mean 'gamma'\?\)"):
        runner.register_training_hooks(cfg.lr_config)
    with pytest.raises(ConfigError, match=r"custom_hooks\.0\.c .*RecordingTestHook takes no argument 'c'"):
        runner.register_training_hooks(None, custom_hooks_config=cfg.custom_hooks)


def test_no_optimizer_config_means_no_step(toy_model, make_loader, quiet_logger, tmp_path):
    runner = make_runner(toy_model, quiet_logger, tmp_path)
    before = {k: v.clone() for k, v in toy_model.state_dict().items() if "weight" in k}
    runner.register_training_hooks(None, optimizer_config=None)
    runner.run([make_loader()], [("train", 1)])
    assert all(torch.equal(before[k], toy_model.state_dict()[k]) for k in before)


def test_lr_by_epoch_true_under_iter_runner_is_an_error(toy_model, make_loader, quiet_logger, tmp_path):
    runner = make_runner(toy_model, quiet_logger, tmp_path, IterBasedRunner)
    runner.register_training_hooks(dict(policy="step", step=[2], by_epoch=True))
    with pytest.raises(ConfigError, match="lr_config.by_epoch=True: an IterBasedRunner has no epochs"):
        runner.run([make_loader()], [("train", 1)])
