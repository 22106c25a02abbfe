"""Data loaders over real clips: batch shapes, worker seeding, per-split settings, skipping bad videos."""
import numpy as np
import pytest
import torch

from vidrun.datasets import VideoDataset, build_dataloader, dataloader_settings
from vidrun.datasets.sample_seed import mix_seed
from vidrun.datasets.samplers import EpochSampler

AUGMENTING = [
    dict(type="PyAVInit"), dict(type="SampleFrames", clip_len=1, num_clips=3), dict(type="PyAVDecode"),
    dict(type="RandomResizedCrop"), dict(type="Resize", scale=(16, 16), keep_ratio=False),
    dict(type="Flip", flip_ratio=0.5), dict(type="FormatShape", input_format="NCHW"),
    dict(type="Collect", keys=["imgs", "label"], meta_keys=["filename"]), dict(type="ToTensor", keys=["imgs", "label"]),
]


@pytest.fixture
def dataset(tmp_path, make_video, helpers):
    (tmp_path / "videos").mkdir()
    lines = []
    for i in range(6):
        make_video(f"videos/c{i}.mp4", helpers["moving_block_frames"](12 + i))
        lines.append(f"c{i}.mp4 {i % 3}\n")
    (tmp_path / "ann.txt").write_text("".join(lines))
    return VideoDataset(str(tmp_path / "ann.txt"), AUGMENTING, data_prefix=str(tmp_path / "videos"))


def read_passes(loader, passes=2, torch_seed=0):
    torch.manual_seed(torch_seed)
    np.random.seed(torch_seed)
    return [[batch["imgs"].clone() for batch in loader] for _ in range(passes)]


def test_batches_have_the_documented_shapes(dataset):
    loader = build_dataloader(dataset, videos_per_gpu=4, workers_per_gpu=0, dist=False, shuffle=False)
    batches = list(loader)
    assert [b["imgs"].shape for b in batches] == [(4, 3, 3, 16, 16), (2, 3, 3, 16, 16)]
    assert batches[0]["label"].tolist() == [[0], [1], [2], [0]]
    assert [m["filename"].endswith(f"c{i}.mp4") for i, m in enumerate(batches[0]["img_metas"])] == [True] * 4


def test_samples_are_seeded_from_the_seed_so_runs_repeat_and_epochs_differ(dataset):
    def loader(seed):
        return build_dataloader(dataset, videos_per_gpu=3, workers_per_gpu=2, dist=False, shuffle=True, seed=seed)

    first, again, other = read_passes(loader(1)), read_passes(loader(1)), read_passes(loader(2))
    for a, b in zip(first[0] + first[1], again[0] + again[1]):
        assert torch.equal(a, b)
    assert not all(torch.equal(a, b) for a, b in zip(first[0], first[1]))  # the second epoch differs
    assert not all(torch.equal(a, b) for a, b in zip(first[0], other[0]))  # another seed differs


def test_sample_seeds_differ_by_each_input():
    base = mix_seed(0, 0, 0)
    assert len({base, mix_seed(1, 0, 0), mix_seed(0, 1, 0), mix_seed(0, 0, 1), mix_seed(0, 0)}) == 5
    assert mix_seed(0, 0, 0) == base and 0 <= base < 2**64


def test_split_settings_merge_the_shared_and_per_split_values():
    data = dict(videos_per_gpu=8, workers_per_gpu=2, test_dataloader=dict(videos_per_gpu=1),
                val_dataloader=dict(workers_per_gpu=0))
    assert dataloader_settings(data, "train", dist=False, seed=3) == dict(
        videos_per_gpu=8, workers_per_gpu=2, num_gpus=1, dist=False, seed=3)
    assert dataloader_settings(data, "test", dist=True, seed=None) == dict(
        videos_per_gpu=1, workers_per_gpu=2, num_gpus=1, dist=True, seed=None, shuffle=False, drop_last=False)
    assert dataloader_settings(data, "val", dist=False, seed=0)["workers_per_gpu"] == 0
    with pytest.raises(ValueError, match="split must be one of"):
        dataloader_settings(data, "eval", dist=False, seed=0)


def test_skip_bad_as_a_loader_option(dataset, tmp_path):
    (tmp_path / "videos" / "c2.mp4").write_bytes(b"")
    loader = build_dataloader(dataset, videos_per_gpu=6, workers_per_gpu=0, dist=False, shuffle=False,
                              skip_bad=True)
    (batch,) = list(loader)
    assert batch["label"].view(-1).tolist() == [0, 1, 0, 0, 1, 2]  # c3 (label 0) read in place of c2
    assert dataset.num_skipped == 1


def test_a_bad_video_read_by_a_worker_keeps_its_type_and_names_the_file(dataset, tmp_path):
    from vidrun.datasets.pipelines.errors import VideoReadError

    (tmp_path / "videos" / "c1.mp4").write_bytes(b"")
    loader = build_dataloader(dataset, videos_per_gpu=2, workers_per_gpu=1, dist=False, shuffle=False, seed=0)
    with pytest.raises(VideoReadError, match=r"c1.mp4: cannot open the video"):
        list(loader)


def test_in_a_distributed_run_each_rank_reads_its_share(dataset, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")  # what torchrun sets; no process group is needed for the sampler
    shares = []
    for rank in (0, 1):
        monkeypatch.setenv("RANK", str(rank))
        loader = build_dataloader(dataset, videos_per_gpu=2, workers_per_gpu=0, dist=True, shuffle=True, seed=3)
        assert isinstance(loader.sampler, EpochSampler) and loader.batch_size == 2
        loader.sampler.set_epoch(0)
        shares.append([index for _, index in loader.sampler])
    assert sorted(shares[0] + shares[1]) == list(range(6))  # disjoint halves covering the data set


def test_workers_are_persistent_unless_the_config_says_otherwise(dataset):
    def persistent(data, split="train"):
        settings = dataloader_settings(data, split, dist=False, seed=0)
        return build_dataloader(dataset, **settings).persistent_workers

    assert persistent(dict(workers_per_gpu=2)) and persistent(dict(workers_per_gpu=1), "val")
    assert not persistent(dict(workers_per_gpu=0))  # no worker to keep
    assert not persistent(dict(workers_per_gpu=2, persistent_workers=False))
    assert persistent(dict(workers_per_gpu=2, persistent_workers=False,
                           train_dataloader=dict(persistent_workers=True)))
