"""A checkpoint saved by N processes resumed by M: the same point of the epoch, `iter` in this run's epoch
length, and a warning saying what differs. (The world size is faked here; tests/cli/test_train_distributed.py
runs real processes.)"""
import torch
from torch.utils.data import DataLoader, DistributedSampler

from vidrun.runner import EpochBasedRunner, Hook
from vidrun.runner.loader_cursor import LoaderCursor, rescale_position


class Record(Hook):
    def __init__(self):
        self.seen = []

    def before_train_iter(self, runner):
        self.seen.append((runner.epoch, runner.iter, runner.inner_iter))


def test_rescale_position_keeps_the_samples_read_at_most_the_pass(make_loader):
    cursor = LoaderCursor(make_loader(size=24, batch_size=2))  # 12 steps of 2 samples
    state = {"passes": 1, "position": 3, "pass_rng": {}}
    assert rescale_position(state, 8, cursor)["position"] == 12  # 24 samples read: the whole pass
    assert rescale_position(state, 3, cursor)["position"] == 4   # 9 samples read: 4 steps, 1 read again
    assert rescale_position(state, 2, cursor) is state
    assert rescale_position(state, None, cursor) is state


def run(model, work_dir, loader, world_size, logger, resume_from=None, ckpt_interval=100):
    runner = EpochBasedRunner(model, torch.optim.SGD(model.parameters(), lr=0.1), str(work_dir), logger,
                              max_epochs=2)
    runner.world_size = world_size
    record = Record()
    runner.register_training_hooks(dict(policy="fixed"), dict(grad_clip=None),
                                   dict(interval=ckpt_interval, by_epoch=False), custom_hooks_config=[record])
    if resume_from:
        runner.resume(str(resume_from))
    runner.run([loader], [("train", 1)])
    return record.seen


def test_two_process_checkpoint_mid_epoch_resumes_in_one_process(tmp_path, make_model, make_loader,
                                                                 quiet_logger):
    # Rank 0 of 2 with 3 videos a process (6 a step, 4 steps an epoch); iter_6.pth is epoch 1 and 2 steps.
    dataset = make_loader(size=24).dataset
    two = DataLoader(dataset, batch_size=3, sampler=DistributedSampler(dataset, 2, 0, seed=0))
    run(make_model(), tmp_path / "two", two, 2, quiet_logger, ckpt_interval=6)
    # One process with 2 videos a step: 12 steps an epoch; 12 samples of epoch 2 were read, i.e. 6 steps.
    one = DataLoader(dataset, batch_size=2, shuffle=True)
    seen = run(make_model(), tmp_path / "one", one, 1, quiet_logger, resume_from=tmp_path / "two" / "iter_6.pth")
    assert seen[0] == (1, 12 + 6, 6) and len(seen) == 12 - 6
    warning = next(line for line in quiet_logger.lines if "world size" in line)
    assert "saved with world size 2 and this run has 1" in warning
    assert "continues at epoch 2, iteration 19" in warning and "went from 6 to 2 videos" in warning


def test_another_batch_size_on_the_same_world_size_is_recounted_too(tmp_path, make_model, make_loader,
                                                                     quiet_logger):
    # One process, 4 videos a step (6 steps an epoch); iter_8.pth is epoch 1 and 2 steps (8 videos read).
    dataset = make_loader(size=24).dataset
    run(make_model(), tmp_path / "four", DataLoader(dataset, batch_size=4, shuffle=True), 1, quiet_logger,
        ckpt_interval=8)
    # Resumed with 2 videos a step: 12 steps an epoch, 4 of epoch 2 read.
    seen = run(make_model(), tmp_path / "two", DataLoader(dataset, batch_size=2, shuffle=True), 1, quiet_logger,
               resume_from=tmp_path / "four" / "iter_8.pth")
    assert seen[0] == (1, 12 + 4, 4) and len(seen) == 12 - 4
    warning = next(line for line in quiet_logger.lines if "resuming:" in line)
    assert "world size" not in warning and "went from 4 to 2 videos" in warning


def test_with_built_loaders_the_warning_says_the_order_stays(tmp_path, make_model, make_loader, quiet_logger,
                                                             monkeypatch):
    from vidrun.datasets import build_dataloader

    dataset = make_loader(size=24).dataset
    monkeypatch.setenv("WORLD_SIZE", "2")  # rank 0 of 2 (the sampler reads these; no process group needed)
    monkeypatch.setenv("RANK", "0")
    two = build_dataloader(dataset, videos_per_gpu=3, workers_per_gpu=0, dist=True, seed=0)
    run(make_model(), tmp_path / "two", two, 2, quiet_logger, ckpt_interval=6)
    monkeypatch.setenv("WORLD_SIZE", "1")
    one = build_dataloader(dataset, videos_per_gpu=6, workers_per_gpu=0, dist=False, seed=0)
    seen = run(make_model(), tmp_path / "one", one, 1, quiet_logger, resume_from=tmp_path / "two" / "iter_6.pth")
    assert seen[0] == (1, 4 + 2, 2) and len(seen) == 2
    warning = next(line for line in quiet_logger.lines if "world size" in line)
    assert "saved with world size 2 and this run has 1 (each epoch's order and augmentations stay" in warning
