"""`EMAHook` as mmcv 1.7 keeps the average — `ema_*` buffers of the model, its update rule — and what a checkpoint
holding them gives to a resume, to a model built without the hook, and to testing."""
import logging

import pytest
import torch
from torch import nn

from vidrun.runner import EMAHook, EpochBasedRunner, Hook, IterBasedRunner, load_checkpoint, save_checkpoint
from vidrun.runner.checkpoint import read_checkpoint
from vidrun.runner.hooks.ema import weights_to_test

PARAMS = ["linear.weight", "linear.bias", "norm.weight", "norm.bias", "head.weight", "head.bias"]


class Record(Hook):
    """What the model holds after each train iteration and epoch (registered after the EMAHook)."""

    def __init__(self):
        self.iters, self.epochs, self.starts = [], [], []

    def after_train_iter(self, runner):
        self.iters.append(snapshot(runner.model))

    def after_train_epoch(self, runner):
        self.epochs.append(snapshot(runner.model))

    def before_train_iter(self, runner):
        self.starts.append(snapshot(runner.model))


def snapshot(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def make_runner(model, logger, work_dir, by_epoch=True, length=1, ema=None, checkpoint=None, record=None):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    kind, length_arg = (EpochBasedRunner, {"max_epochs": length}) if by_epoch else (IterBasedRunner,
                                                                                     {"max_iters": length})
    runner = kind(model, optimizer, str(work_dir), logger, **length_arg)
    runner.register_training_hooks(None, dict(), checkpoint, None, custom_hooks_config=[record] if record else [])
    if ema is not None:  # after the step, before the CheckpointHook: the files hold this iteration's average
        runner.register_hook(ema, "ABOVE_NORMAL")
    return runner


def test_the_averages_are_mmcv_named_buffers_of_the_bare_model(toy_model, make_loader, quiet_logger, tmp_path):
    ema = EMAHook(momentum=0.5, warm_up=1)
    wrapped = nn.DataParallel(toy_model)
    wrapped.train_step = toy_model.train_step
    runner = make_runner(wrapped, quiet_logger, tmp_path, by_epoch=False, length=2, ema=ema,
                         checkpoint=dict(interval=2))
    runner.run([make_loader(size=8)], [("train", 1)])
    buffers = dict(toy_model.named_buffers())
    assert [f"ema_{name.replace('.', '_')}" for name in PARAMS] == [k for k in buffers if k.startswith("ema_")]
    saved = torch.load(tmp_path / "iter_2.pth", weights_only=True)
    assert all(torch.equal(saved["state_dict"][f"ema_{n.replace('.', '_')}"], buffers[f"ema_{n.replace('.', '_')}"])
               for n in PARAMS)
    # the hook's resume state names the same tensors: one storage in the file, not a second copy
    hook_state = saved["hooks"]["EMAHook"]
    assert hook_state["swapped"] is False
    assert (hook_state["ema"]["head.weight"].untyped_storage().data_ptr()
            == saved["state_dict"]["ema_head_weight"].untyped_storage().data_ptr())


def test_the_update_is_mmcvs(toy_model, make_loader, quiet_logger, tmp_path):
    # interval 2: updated after iterations 0, 2, 4 (0-based) with m = min(0.6 ** 2, (1 + i) / (warm_up + i))
    start = {n: p.detach().clone() for n, p in toy_model.named_parameters()}
    record = Record()
    runner = make_runner(toy_model, quiet_logger, tmp_path, by_epoch=False, length=5,
                         ema=EMAHook(momentum=0.6, interval=2, warm_up=4), record=record)
    runner.run([make_loader(size=8)], [("train", 1)])
    for name in PARAMS:
        expected = start[name]
        for i in (0, 2, 4):
            m = min(0.36, (1 + i) / (4 + i))
            expected = (1 - m) * expected + m * record.iters[i][name]
        assert torch.allclose(getattr(toy_model, f"ema_{name.replace('.', '_')}"), expected, atol=1e-6), name
    assert all(torch.equal(record.iters[-1][k], v) for k, v in toy_model.state_dict().items()
               if not k.startswith("ema_"))  # by iteration nothing is swapped


def test_an_epoch_ends_with_the_averages_in_the_parameters(toy_model, make_loader, quiet_logger, tmp_path):
    record = Record()
    runner = make_runner(toy_model, quiet_logger, tmp_path, length=2, ema=EMAHook(momentum=0.5, warm_up=1),
                         record=record)
    runner.run([make_loader(size=8)], [("train", 1)])
    end_of_1, start_of_2 = record.epochs[0], record.starts[2]  # 2 iterations an epoch
    for name in PARAMS:
        buffer = f"ema_{name.replace('.', '_')}"
        assert torch.equal(end_of_1[name], start_of_2[buffer]) and torch.equal(end_of_1[buffer], start_of_2[name])


def mmcv_checkpoint(path, trained, averaged):
    """A checkpoint as mmcv's EMAHook leaves it at an epoch's end (hook above the CheckpointHook): the average in
    the parameters, the training weights in the ema_* buffers, no vidrun resume state."""
    state = {k: v.clone() for k, v in averaged.items()}
    state.update({f"ema_{k.replace('.', '_')}": v.clone() for k, v in trained.items() if k in PARAMS})
    torch.save({"meta": {"epoch": 1, "iter": 2}, "state_dict": state}, path)


def test_resume_from_continues_an_mmcv_checkpoint_as_mmcv(make_model, make_loader, quiet_logger, tmp_path):
    trained, averaged = make_model(seed=1).state_dict(), make_model(seed=2).state_dict()
    mmcv_checkpoint(tmp_path / "epoch_1.pth", trained, averaged)
    record = Record()
    runner = make_runner(make_model(seed=3), quiet_logger, tmp_path / "run", length=2,
                         ema=EMAHook(momentum=0.5, warm_up=1, resume_from=str(tmp_path / "epoch_1.pth")),
                         record=record)
    runner.run([make_loader(size=8)], [("train", 1)])
    first = record.starts[0]  # epoch 2 trains from the training weights; the average waits in the buffers
    assert runner.epoch == 2 and len(record.starts) == 2
    for name in PARAMS:
        assert torch.equal(first[name], trained[name])
        assert torch.equal(first[f"ema_{name.replace('.', '_')}"], averaged[name])


def test_a_model_without_the_hook_loads_such_a_checkpoint_and_says_so(make_model, tmp_path, quiet_logger):
    trained, averaged = make_model(seed=1).state_dict(), make_model(seed=2).state_dict()
    mmcv_checkpoint(tmp_path / "a.pth", trained, averaged)
    model = make_model(seed=3)
    load_checkpoint(model, tmp_path / "a.pth", strict=True, logger=quiet_logger)
    assert all(torch.equal(model.state_dict()[k], averaged[k]) for k in averaged)  # the parameters as saved
    assert quiet_logger.lines == [f"{tmp_path / 'a.pth'} holds 6 EMAHook averages (ema_* buffers) that ToyModel has "
                                  f"no buffers for: they are not loaded (its parameters get the checkpoint's "
                                  f"parameters; `vidrun test --ema` tells which weights are tested)"]


def test_which_weights_are_tested(toy_model, make_loader, quiet_logger, tmp_path, caplog):
    record = Record()
    runner = make_runner(toy_model, quiet_logger, tmp_path, length=1, ema=EMAHook(momentum=0.5, warm_up=1),
                         record=record, checkpoint=dict(interval=1, by_epoch=False))
    runner.register_hook(SaveAtEpochEnd(), "LOW")  # after the swap: the averages in the parameters
    runner.run([make_loader(size=8)], [("train", 1)])
    end = record.epochs[0]
    averaged = {n: end[n] for n in PARAMS}
    trained = {n: end[f"ema_{n.replace('.', '_')}"] for n in PARAMS}
    mid = read_checkpoint(tmp_path / "iter_2.pth")  # before the swap: the averages in the buffers
    swapped = read_checkpoint(tmp_path / "swapped.pth")
    assert swapped["hooks"]["EMAHook"]["swapped"] is True and mid["hooks"]["EMAHook"]["swapped"] is False
    for checkpoint in (mid, swapped):
        for ema, expected in (("auto", averaged), ("on", averaged), ("off", trained)):
            weights = weights_to_test(checkpoint, ema)
            assert not [k for k in weights if k.startswith("ema_")]
            assert all(torch.equal(weights[n], expected[n]) for n in PARAMS), ema
    mmcv_like = {"meta": {}, "state_dict": swapped["state_dict"]}  # no record of the swap
    with caplog.at_level(logging.INFO):
        assert all(torch.equal(weights_to_test(mmcv_like)[n], averaged[n]) for n in PARAMS)
    assert "no record of whether its parameters hold the average" in caplog.text
    assert all(torch.equal(weights_to_test(mmcv_like, "on")[n], trained[n]) for n in PARAMS)
    with pytest.raises(ValueError, match="holds no EMAHook averages"):
        weights_to_test({"meta": {}, "state_dict": {"a": torch.zeros(1)}}, "on")


class SaveAtEpochEnd(Hook):
    def after_train_epoch(self, runner):
        runner.save_checkpoint(runner.work_dir, "swapped.pth", create_symlink=False)


def test_old_checkpoints_averages_are_taken_by_parameter_name(toy_model, make_loader, quiet_logger, tmp_path):
    # vidrun's earlier EMAHook state: {'ema': {state-dict name: average}} over parameters and float buffers
    averages = {k: torch.full_like(v, 0.25) for k, v in toy_model.state_dict().items() if v.is_floating_point()}
    save_checkpoint(toy_model, tmp_path / "old.pth", meta={"epoch": 0, "iter": 1},
                    extra={"hooks": {"EMAHook": {"ema": averages, "swapped": False}}})
    record = Record()
    runner = make_runner(toy_model, quiet_logger, tmp_path / "run", by_epoch=False, length=2,
                         ema=EMAHook(momentum=0.5, warm_up=1), record=record)
    runner.resume(str(tmp_path / "old.pth"))
    runner.run([make_loader(size=8)], [("train", 1)])
    assert torch.equal(record.starts[0]["ema_head_weight"], averages["head.weight"])


def test_resume_from_a_vidrun_checkpoint_continues_exactly(make_model, make_loader, quiet_logger, tmp_path):
    def train(work_dir, length, ema):
        model = make_model()
        runner = make_runner(model, quiet_logger, work_dir, length=length, ema=ema, checkpoint=dict(interval=1))
        runner.run([make_loader(size=12)], [("train", 1)])
        return model.state_dict()

    straight = train(tmp_path / "straight", 3, EMAHook(momentum=0.3, warm_up=2))
    train(tmp_path / "first", 1, EMAHook(momentum=0.3, warm_up=2))
    resumed = train(tmp_path / "resumed", 3, EMAHook(momentum=0.3, warm_up=2,
                                                     resume_from=str(tmp_path / "first" / "epoch_1.pth")))
    assert list(straight) == list(resumed)
    assert [k for k in straight if not torch.equal(straight[k], resumed[k])] == []
