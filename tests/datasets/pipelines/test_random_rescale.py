import numpy as np
import pytest

from vidrun.datasets import PIPELINES
from vidrun.datasets.pipelines import Compose, RandomRescale


def frames(n=2, h=30, w=40):
    return np.random.default_rng(0).integers(0, 256, (n, h, w, 3), dtype=np.uint8)


def test_registered_and_repr_as_mmaction2():
    assert PIPELINES.get("RandomRescale") is RandomRescale
    assert repr(RandomRescale((256, 320))) == "RandomRescale(scale_range=(256, 320), interpolation=bilinear)"


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_short_edge_is_one_randint_over_the_closed_range(seed):
    np.random.seed(seed)
    short = np.random.randint(20, 25 + 1)
    after = np.random.rand()
    np.random.seed(seed)
    out = RandomRescale(scale_range=(20, 25))(dict(imgs=frames()))
    assert out["short_edge"] == short
    # a 30x40 frame: the short side (h) becomes `short`, w is 40 * short / 30 rounded half up
    assert out["img_shape"] == (short, int(40 * short / 30 + 0.5))
    assert out["imgs"][0].shape == (short, int(40 * short / 30 + 0.5), 3)
    assert out["keep_ratio"] is True
    assert np.random.rand() == after  # exactly one draw a sample


def test_every_length_of_the_range_is_reached():
    np.random.seed(0)
    seen = {RandomRescale((10, 12))(dict(imgs=frames(1)))["short_edge"] for _ in range(60)}
    assert seen == {10, 11, 12}


@pytest.mark.parametrize("bad", [(320, 256), (256, 256), (0, 10), (1.5, 10), (256,), "256"])
def test_bad_ranges_are_refused(bad):
    with pytest.raises(ValueError, match="RandomRescale: scale_range"):
        RandomRescale(bad)


def test_a_timesformer_pipeline_builds_and_runs():
    pipeline = Compose([dict(type="RandomRescale", scale_range=(24, 28)), dict(type="RandomCrop", size=20)])
    np.random.seed(0)
    out = pipeline(dict(imgs=list(frames())))
    assert out["img_shape"] == (20, 20)


@pytest.mark.parametrize("name, alternative", [
    ("AugMix", "Imgaug"), ("RandAugment", "Imgaug"), ("ShortSideScale", "Resize"),
    ("RandomShortSideScale", "RandomRescale"), ("RandomResizedCrop", "RandomResizedCrop"),
])
def test_pytorchvideo_transforms_fail_when_built_and_name_the_alternative(name, alternative):
    with pytest.raises(ValueError, match=rf"pytorchvideo\.{name}.*PytorchVideoTrans\(type='{name}'\).*"
                                         rf"torchvision.*{alternative}"):
        Compose([dict(type=f"pytorchvideo.{name}")])
    from vidrun.datasets.pipelines import PytorchVideoTrans
    with pytest.raises(ValueError, match=f"use dict\\(type='{alternative}'"):
        PytorchVideoTrans(type=name)
    with pytest.raises(ValueError, match="'MixUp' is not one of the pytorchvideo transforms"):
        PytorchVideoTrans(type="MixUp")
