"""Exact resume: N iterations straight end with the same weights, bit for bit, as k iterations, a stop, a
resume from the checkpoint written at iteration (or epoch) k — mid-epoch included — and the rest."""
import pytest
import torch

from vidrun.runner import EpochBasedRunner, Hook, IterBasedRunner


class Stop(Exception):
    pass


class StopAt(Hook):
    """Interrupts the run after iteration `at` has been checkpointed, as a crash or a kill would."""

    def __init__(self, at):
        self.at = at

    def after_train_iter(self, runner):
        if runner.iter + 1 == self.at:
            raise Stop()


def run(work_dir, runner_cls, model, loaders, workflow, length, logger, resume_from=None, cumulative=None,
        ema=False, ckpt_by_epoch=False, stop_at=None):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    length_arg = {"max_epochs": length} if runner_cls is EpochBasedRunner else {"max_iters": length}
    runner = runner_cls(model, optimizer, str(work_dir), logger, **length_arg)
    by_epoch = runner_cls is EpochBasedRunner
    lr_config = dict(policy="step", step=[2] if by_epoch else [5], warmup="linear", warmup_iters=3)
    optimizer_config = (dict(type="GradientCumulativeOptimizerHook", cumulative_iters=cumulative)
                        if cumulative else dict(grad_clip=dict(max_norm=1.0)))
    custom = [dict(type="EMAHook", momentum=0.2, warm_up=2, priority="ABOVE_NORMAL")] if ema else []
    if stop_at is not None:
        custom.append(StopAt(stop_at))
    runner.register_training_hooks(lr_config, optimizer_config,
                                   dict(interval=1, by_epoch=ckpt_by_epoch and by_epoch),
                                   dict(interval=2, hooks=[dict(type="TextLoggerHook")]),
                                   custom_hooks_config=custom)
    if resume_from is not None:
        runner.resume(str(resume_from))
    try:
        runner.run(loaders, workflow)
    except Stop:
        pass
    return {k: v.clone() for k, v in model.state_dict().items()}


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f"weights differ after resume: {different}"


CASES = {
    # name: (runner, length, workflow, checkpoint to resume from, options)
    "epoch-mid-epoch": (EpochBasedRunner, 3, [("train", 1)], "iter_4.pth", {}),
    "epoch-end-of-epoch-iter-ckpt": (EpochBasedRunner, 3, [("train", 1)], "iter_3.pth", {}),
    "epoch-with-val-workflow": (EpochBasedRunner, 3, [("train", 1), ("val", 1)], "iter_5.pth", {}),
    "epoch-ckpt-by-epoch-with-val": (EpochBasedRunner, 3, [("train", 1), ("val", 1)], "epoch_1.pth",
                                     {"ckpt_by_epoch": True}),
    "epoch-cumulative-mid-window": (EpochBasedRunner, 3, [("train", 1)], "iter_6.pth", {"cumulative": 4}),
    "epoch-ema-mid-epoch": (EpochBasedRunner, 3, [("train", 1)], "iter_4.pth", {"ema": True}),
    "epoch-ema-epoch-ckpt": (EpochBasedRunner, 3, [("train", 1)], "epoch_2.pth",
                             {"ema": True, "ckpt_by_epoch": True}),
    "iter-mid-flow": (IterBasedRunner, 10, [("train", 3), ("val", 1)], "iter_5.pth", {}),
    "iter-before-val": (IterBasedRunner, 10, [("train", 3), ("val", 1)], "iter_6.pth", {}),
    "iter-cumulative": (IterBasedRunner, 10, [("train", 3), ("val", 1)], "iter_7.pth", {"cumulative": 3}),
    "iter-ema": (IterBasedRunner, 10, [("train", 1)], "iter_4.pth", {"ema": True}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_interrupted_and_resumed_equals_uninterrupted(case, tmp_path, make_model, make_loader, quiet_logger):
    runner_cls, length, workflow, checkpoint, options = CASES[case]

    def loaders():  # 3 train batches a pass (12 samples), 2 val batches
        return [make_loader(size=12) if mode == "train" else make_loader(size=8, shuffle=False)
                for mode, _ in workflow]

    straight = run(tmp_path / "straight", runner_cls, make_model(), loaders(), workflow, length, quiet_logger,
                   **options)
    stop_at = int(checkpoint.split("_")[1].split(".")[0])
    if checkpoint.startswith("iter_"):
        run(tmp_path / "stopped", runner_cls, make_model(), loaders(), workflow, length, quiet_logger,
            stop_at=stop_at, **options)
        resume_from = tmp_path / "stopped" / checkpoint
    else:
        resume_from = tmp_path / "straight" / checkpoint
    torch.manual_seed(1234)  # the resumed process starts from other random state: resume must restore it
    resumed = run(tmp_path / "resumed", runner_cls, make_model(seed=7), loaders(), workflow, length,
                  quiet_logger, resume_from=resume_from, **options)
    assert_same_weights(straight, resumed)


def test_resume_with_loader_workers(tmp_path, make_model, make_loader, quiet_logger):
    def loaders():
        return [make_loader(size=12, num_workers=1)]

    straight = run(tmp_path / "a", EpochBasedRunner, make_model(), loaders(), [("train", 1)], 2, quiet_logger)
    run(tmp_path / "b", EpochBasedRunner, make_model(), loaders(), [("train", 1)], 2, quiet_logger, stop_at=4)
    resumed = run(tmp_path / "c", EpochBasedRunner, make_model(seed=3), loaders(), [("train", 1)], 2,
                  quiet_logger, resume_from=tmp_path / "b" / "iter_4.pth")
    assert_same_weights(straight, resumed)


def test_resuming_changes_the_outcome_when_the_state_is_withheld(tmp_path, make_model, make_loader,
                                                                 quiet_logger):
    """The equality above is not vacuous: a resume that drops the data position and random state differs."""
    workflow = [("train", 1)]
    straight = run(tmp_path / "a", EpochBasedRunner, make_model(), [make_loader(size=12)], workflow, 3,
                   quiet_logger)
    checkpoint = torch.load(tmp_path / "a" / "iter_4.pth", weights_only=True)
    del checkpoint["runner"]
    torch.save(checkpoint, tmp_path / "weights_only.pth")
    torch.manual_seed(1234)
    resumed = run(tmp_path / "b", EpochBasedRunner, make_model(seed=7), [make_loader(size=12)], workflow, 3,
                  quiet_logger, resume_from=tmp_path / "weights_only.pth")
    assert any(not torch.equal(straight[k], resumed[k]) for k in straight)


@pytest.mark.parametrize("workers", [0, 2])
def test_resume_with_built_loaders_jumps_and_stays_exact(workers, tmp_path, make_model, make_loader, quiet_logger):
    """`build_dataloader`'s loaders resume mid-epoch without re-reading a sample, and still bit for bit."""
    from vidrun.datasets import build_dataloader

    def loaders():
        return [build_dataloader(make_loader(size=12).dataset, videos_per_gpu=4, workers_per_gpu=workers,
                                 dist=False, seed=3)]

    straight = run(tmp_path / "a", EpochBasedRunner, make_model(), loaders(), [("train", 1)], 3, quiet_logger)
    run(tmp_path / "b", EpochBasedRunner, make_model(), loaders(), [("train", 1)], 3, quiet_logger, stop_at=5)
    torch.manual_seed(1234)
    resumed = run(tmp_path / "c", EpochBasedRunner, make_model(seed=7), loaders(), [("train", 1)], 3,
                  quiet_logger, resume_from=tmp_path / "b" / "iter_5.pth")
    assert_same_weights(straight, resumed)
