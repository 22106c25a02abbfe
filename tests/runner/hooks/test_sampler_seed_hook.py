import torch
from torch.utils.data import DataLoader, Sampler

from vidrun.runner import DistSamplerSeedHook, EpochBasedRunner


class EpochSampler(Sampler):
    """Orders indices by a permutation drawn from its epoch, like DistributedSampler."""

    def __init__(self, size):
        self.size, self.epochs = size, []

    def set_epoch(self, epoch):
        self.epochs.append(epoch)
        self.epoch = epoch

    def __iter__(self):
        return iter(torch.randperm(self.size, generator=torch.Generator().manual_seed(self.epoch)).tolist())

    def __len__(self):
        return self.size


def test_set_epoch_before_each_train_epoch(toy_model, make_loader, quiet_logger):
    dataset = make_loader().dataset
    sampler = EpochSampler(len(dataset))
    loader = DataLoader(dataset, batch_size=4, sampler=sampler)
    runner = EpochBasedRunner(toy_model, None, None, quiet_logger, max_epochs=3)
    runner.register_hook(DistSamplerSeedHook())
    runner.run([loader], [("train", 1)])
    # the hook sets each epoch; the runner's cursor also sets it when a pass starts, with the same number
    assert sampler.epochs == [0, 0, 1, 1, 2, 2]
