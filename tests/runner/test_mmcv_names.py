"""mmcv 1.7's runner names at the paths code written for it imports them from, with mmcv's arguments."""
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

import vidrun.apis
import vidrun.runner
from vidrun.runner import (HOOKS, OPTIMIZERS, TORCH_OPTIMIZERS, EpochBasedRunner, LrUpdaterHook, get_state_dict,
                           multi_gpu_test, set_random_seed, single_gpu_test)

NAMES = ["init_dist", "get_dist_info", "master_only", "set_random_seed", "single_gpu_test", "multi_gpu_test",
         "LrUpdaterHook", "MomentumUpdaterHook", "DistEvalHook", "Fp16OptimizerHook", "load_state_dict",
         "get_state_dict", "TORCH_OPTIMIZERS", "load_checkpoint", "save_checkpoint", "EvalHook"]


FIRST_IMPORTS = [f"from vidrun.runner import {name}" for name in NAMES] + [
    "from vidrun.apis import single_gpu_test, multi_gpu_test", "from vidrun.runner.optimizer import TORCH_OPTIMIZERS",
    "import vidrun.runner.gpu_test", "import vidrun.runner.state_dict_names", "import vidrun.utils.seed",
    "import vidrun.runner.runner_hooks", "import vidrun.runner.default_hooks"]
FORGET_VIDRUN = "[sys.modules.pop(m) for m in list(sys.modules) if m.split('.')[0] == 'vidrun']"


def test_each_name_imports_first_without_a_cycle():
    # An import cycle shows only when the chain starts at a module of it: each statement runs with no vidrun
    # module loaded yet (one process, torch imported once).
    script = "import sys\n" + "".join(f"{FORGET_VIDRUN}\n{line}\n" for line in FIRST_IMPORTS)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_names_are_exported():
    assert set(NAMES) <= set(vidrun.runner.__all__)
    assert [name for name in vidrun.runner.__all__ if not hasattr(vidrun.runner, name)] == []
    assert len(vidrun.runner.__all__) == len(set(vidrun.runner.__all__))
    assert {"single_gpu_test", "multi_gpu_test"} <= set(vidrun.apis.__all__)
    assert vidrun.apis.single_gpu_test is single_gpu_test


def test_torch_optimizers_lists_the_registered_torch_classes():
    assert {"SGD", "Adam", "AdamW", "RMSprop"} <= set(TORCH_OPTIMIZERS)
    assert all(OPTIMIZERS.get(name) is getattr(torch.optim, name) for name in TORCH_OPTIMIZERS)
    assert "Optimizer" not in TORCH_OPTIMIZERS and TORCH_OPTIMIZERS == sorted(TORCH_OPTIMIZERS)


def test_set_random_seed_with_rank_shift(monkeypatch):
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "4")
    set_random_seed(10, use_rank_shift=True)
    shifted = torch.rand(3), np.random.rand()
    set_random_seed(13)
    assert torch.equal(shifted[0], torch.rand(3)) and shifted[1] == np.random.rand()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv1d(2, 3, 1), nn.BatchNorm1d(3))
        self.head = nn.Linear(3, 2)


def test_get_state_dict_leaves_out_nested_wrappers():
    torch.manual_seed(0)
    plain = Net()
    wrapped = Net()
    wrapped.load_state_dict(plain.state_dict())
    wrapped.backbone = nn.DataParallel(nn.DataParallel(wrapped.backbone))
    whole = nn.DataParallel(wrapped)
    assert "module.backbone.module.module.0.weight" in whole.state_dict()
    state = get_state_dict(whole)
    assert list(state) == list(plain.state_dict())
    assert all(torch.equal(state[k], v) for k, v in plain.state_dict().items())
    assert state._metadata["backbone.1"] == plain.state_dict()._metadata["backbone.1"]
    destination = {"kept": 1}
    out = get_state_dict(wrapped, destination, prefix="ema.", keep_vars=True)
    assert out is destination and out["kept"] == 1 and out["ema.head.weight"] is wrapped.head.weight
    Net().load_state_dict(get_state_dict(whole))  # strict: the keys of the plain model


class Scores(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, imgs, label=None, return_loss=True):
        return self.linear(imgs).softmax(-1)


def test_single_and_multi_gpu_test_in_one_process(make_loader, tmp_path):
    torch.manual_seed(0)
    model, loader = Scores(), make_loader(size=10, batch_size=4, shuffle=False)
    results = single_gpu_test(model, loader)
    assert len(results) == 10 and results[0].shape == (3,)
    torch.manual_seed(1)  # the data set draws fresh noise per read: the same seed reads the same points
    expected = [model(**batch).detach().numpy() for batch in loader]
    torch.manual_seed(1)
    again = multi_gpu_test(model, loader, tmpdir=str(tmp_path), gpu_collect=False)
    np.testing.assert_allclose(np.stack(again), np.concatenate(expected), rtol=1e-6)
    assert model.training  # the loops restore the model's mode


@HOOKS.register_module()
class HalvingLrUpdaterHook(LrUpdaterHook):
    """Written as for mmcv: own arguments, then `super().__init__(**kwargs)`, and `get_lr(runner, base_lr)`."""

    def __init__(self, every, **kwargs):
        self.every = every
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress = runner.epoch if self.by_epoch else runner.iter
        return base_lr * 0.5 ** (progress // self.every)


def test_an_lr_updater_subclass_written_for_mmcv(toy_model, make_loader, quiet_logger):
    optimizer = torch.optim.SGD(toy_model.parameters(), lr=0.8)
    runner = EpochBasedRunner(toy_model, optimizer, None, quiet_logger, max_epochs=4)
    seen = []
    runner.register_training_hooks(dict(policy="Halving", every=2, warmup="linear", warmup_iters=2,
                                        warmup_ratio=0.5))
    runner.register_hook(type("Spy", (vidrun.runner.Hook,), {
        "before_train_iter": lambda self, r: seen.append(r.current_lr()[0])})())
    runner.run([make_loader(size=8, batch_size=4)], [("train", 1)])  # 2 iterations an epoch
    # warm-up over iterations 0 and 1: factor 1 - (1 - it/2)(1 - 0.5) = 0.5, 0.75; then halved every 2 epochs
    assert seen == pytest.approx([0.4, 0.6, 0.8, 0.8, 0.4, 0.4, 0.4, 0.4])
    with pytest.raises(TypeError, match="LrUpdaterHook needs a schedule, or .* get_lr\\(runner, base_value\\)"):
        LrUpdaterHook()


def test_runner_closure_hook_and_small_helpers(toy_model, make_loader, quiet_logger, tmp_path):
    with pytest.warns(DeprecationWarning, match="Runner is the old name of EpochBasedRunner"):
        runner = vidrun.runner.build_runner(dict(type="Runner", max_epochs=1),
                                            dict(model=toy_model, optimizer=None, logger=quiet_logger))
    assert isinstance(runner, EpochBasedRunner)
    epochs = []
    runner.register_hook(vidrun.runner.ClosureHook("after_train_epoch", lambda r: epochs.append(r.epoch)))
    assert runner.hooks[0].get_triggered_stages() == ["after_train_epoch"]
    runner.run([make_loader(size=8)], [("train", 1)])
    assert epochs == [0]
    with pytest.raises(ValueError, match="'after_trian_epoch' is not a hook event.*did you mean"):
        vidrun.runner.ClosureHook("after_trian_epoch", print)
    assert "@" in vidrun.runner.get_host_info()
    assert len(vidrun.runner.get_time_str()) == 15 and vidrun.runner.get_time_str()[8] == "_"
    made = vidrun.runner.obj_from_dict(dict(type="Linear", in_features=2), nn, dict(out_features=3, bias=False))
    assert isinstance(made, nn.Linear) and made.weight.shape == (3, 2) and made.bias is None
    with pytest.raises(KeyError, match="no 'Lineer' in module torch.nn"):
        vidrun.runner.obj_from_dict(dict(type="Lineer"), nn)
    state = Net().state_dict()
    moved = vidrun.runner.weights_to_cpu(state)
    assert list(moved) == list(state) and moved._metadata == state._metadata


def test_iter_loader_reads_without_end_and_reshuffles(make_loader):
    from torch.utils.data import DataLoader, DistributedSampler

    dataset = make_loader(size=6).dataset
    sampler = DistributedSampler(dataset, num_replicas=1, rank=0, shuffle=True, seed=3)
    loader = vidrun.runner.IterLoader(DataLoader(dataset, batch_size=2, sampler=sampler))
    assert len(loader) == 3 and loader.epoch == 0
    labels = [next(loader)["label"].tolist() for _ in range(7)]
    assert loader.epoch == 2 and sampler.epoch == 2
    firsts, seconds = sum(labels[:3], []), sum(labels[3:6], [])
    assert sorted(firsts) == sorted(seconds) == sorted(dataset.labels.tolist())
    order = []
    for epoch in (0, 1):  # the sampler's shuffle is a function of its seed and epoch
        sampler.set_epoch(epoch)
        order.append([int(dataset.labels[i]) for i in sampler])
    assert order[0] != order[1] and (firsts, seconds) == tuple(order)  # a new pass is a new shuffle


def test_a_runner_constructor_named_in_the_runner_config(toy_model, quiet_logger):
    from vidrun.runner import RUNNER_BUILDERS, DefaultRunnerConstructor, build_runner

    @RUNNER_BUILDERS.register_module(force=True)
    class LongerRunnerConstructor(DefaultRunnerConstructor):
        def __call__(self):
            self.runner_cfg = dict(self.runner_cfg, max_epochs=self.runner_cfg["max_epochs"] * 2)
            return super().__call__()

    cfg = dict(type="EpochBasedRunner", max_epochs=3, constructor="LongerRunnerConstructor")
    runner = build_runner(cfg, dict(model=toy_model, logger=quiet_logger))
    assert isinstance(runner, EpochBasedRunner) and runner.max_epochs == 6 and "constructor" in cfg
    assert build_runner(dict(type="EpochBasedRunner", max_epochs=2, constructor="DefaultRunnerConstructor"),
                        dict(model=toy_model)).max_epochs == 2
    with pytest.raises(TypeError, match="runner_cfg must be a dict, not list"):
        DefaultRunnerConstructor([("type", "EpochBasedRunner")])
