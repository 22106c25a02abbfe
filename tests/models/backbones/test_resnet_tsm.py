"""Temporal shift: exact moved values, where the shift sits, ResNet weights loading into ResNetTSM."""
import logging

import pytest
import torch
from torch import nn

from vidrun.models.backbones.resnet import ResNet
from vidrun.models.backbones.resnet_tsm import ResNetTSM, TemporalShift, match_wrapped_keys, unwrap_name
from vidrun.models.layers import TemporalPool
from vidrun.models.legacy_keys import legacy_name
from vidrun.models.registries import BACKBONES


def clip(n: int = 1, t: int = 3, c: int = 8, hw: int = 1) -> torch.Tensor:
    """Frames [n·t, c, hw, hw] whose value is 100·clip + 10·(frame + 1) + channel: never zero, all distinct."""
    clips, frames, channels = torch.meshgrid(torch.arange(n), torch.arange(t), torch.arange(c), indexing="ij")
    values = (100 * clips + 10 * (frames + 1) + channels).float()
    return values.reshape(n * t, c, 1, 1).expand(n * t, c, hw, hw).contiguous()


def test_shift_moves_the_first_fold_back_the_second_forward_and_keeps_the_rest():
    out = TemporalShift(nn.Identity(), num_segments=3, shift_div=4)(clip())[:, :, 0, 0]
    expected = torch.tensor([
        # ch 0-1: frame t+1    ch 2-3: frame t-1    ch 4-7: unchanged
        [20, 21, 0, 0, 14, 15, 16, 17],
        [30, 31, 12, 13, 24, 25, 26, 27],
        [0, 0, 22, 23, 34, 35, 36, 37],
    ]).float()
    torch.testing.assert_close(out, expected)


def test_shift_stays_within_each_clip_and_applies_at_every_pixel():
    out = TemporalShift.shift(clip(n=2, hw=2), num_segments=3, shift_div=4)
    assert out.shape == (6, 8, 2, 2)
    assert (out[:, :, 0, 0, None, None] == out).all()
    assert out[2, 0, 0, 0] == 0 and out[3, 2, 0, 0] == 0  # no value crosses from clip 0 to clip 1
    assert out[3, 0, 0, 0] == 120 and out[4, 2, 0, 0] == 112


def test_shift_applies_net_after_shifting():
    net = nn.Conv2d(8, 4, 1)
    shift = TemporalShift(net, num_segments=3, shift_div=4)
    x = torch.randn(6, 8, 5, 5)
    torch.testing.assert_close(shift(x), net(TemporalShift.shift(x, 3, 4)))
    assert [n for n, _ in shift.named_parameters()] == ["net.weight", "net.bias"]


def test_shift_needs_whole_clips():
    with pytest.raises(ValueError, match="multiple of num_segments=3"):
        TemporalShift(nn.Identity(), num_segments=3)(torch.zeros(4, 8, 1, 1))


def test_output_is_per_frame():
    model = ResNetTSM(18, num_segments=8).eval()
    with torch.no_grad():
        assert model(torch.randn(2 * 8, 3, 32, 32)).shape == (16, 512, 1, 1)
    assert BACKBONES.get("ResNetTSM") is ResNetTSM


def test_blockres_wraps_each_first_conv_and_block_wraps_each_block():
    blockres = ResNetTSM(18, num_segments=4, shift_div=4)
    assert all(isinstance(b.conv1.conv, TemporalShift) for n in blockres.res_layers for b in getattr(blockres, n))
    assert blockres.layer1[0].conv1.conv.num_segments == 4 and blockres.layer1[0].conv1.conv.shift_div == 4
    assert "layer1.0.conv1.conv.net.weight" in blockres.state_dict()
    block = ResNetTSM(18, shift_place="block")
    assert all(isinstance(b, TemporalShift) for n in block.res_layers for b in getattr(block, n))
    assert "layer1.0.net.conv1.conv.weight" in block.state_dict()
    plain = ResNetTSM(18, is_shift=False)
    assert not any(isinstance(m, TemporalShift) for m in plain.modules())


def test_deep_resnets_shift_every_other_block_as_mmaction2_does():
    model = ResNetTSM(101)
    shifted = [isinstance(b.conv1.conv, TemporalShift) for b in model.layer3]
    assert shifted == [i % 2 == 0 for i in range(23)]


def test_match_wrapped_keys():
    own = ["conv1.weight", "layer1.0.conv1.net.weight", "layer1.1.net.bn1.weight"]
    state = {"conv1.weight": 1, "layer1.0.conv1.weight": 2, "layer1.1.bn1.weight": 3, "fc.weight": 4}
    assert match_wrapped_keys(state, own) == {"conv1.weight": 1, "layer1.0.conv1.net.weight": 2,
                                              "layer1.1.net.bn1.weight": 3, "fc.weight": 4}
    assert unwrap_name("layer1.1.net.conv1.net.weight") == "layer1.1.conv1.weight"
    with pytest.raises(ValueError, match="two keys"):
        match_wrapped_keys({"layer1.0.conv1.weight": 1, "layer1.0.conv1.net.weight": 2}, own)


@pytest.mark.parametrize("naming", ["mmaction", "torchvision"])
@pytest.mark.parametrize("shift_place", ["blockres", "block"])
def test_resnet_weights_load_into_resnet_tsm(tmp_path, caplog, shift_place, naming):
    gen = torch.Generator().manual_seed(0)
    resnet = ResNet(18)
    expected = {k: torch.randn(v.shape, generator=gen) if v.is_floating_point() else v
                for k, v in resnet.state_dict().items()}
    resnet.load_state_dict(expected)
    rename = legacy_name if naming == "torchvision" else str
    torch.save({rename(k): v for k, v in resnet.state_dict().items()}, tmp_path / "resnet18.pth")
    model = ResNetTSM(18, pretrained=str(tmp_path / "resnet18.pth"), shift_place=shift_place)
    with caplog.at_level(logging.WARNING, logger="vidrun"):
        model.init_weights()
    assert not caplog.records, caplog.text
    loaded = {unwrap_name(k): v for k, v in model.state_dict().items()}
    assert loaded.keys() == expected.keys()
    assert all(torch.equal(loaded[k], v) for k, v in expected.items())


def test_time_reversal_changes_tsm_features_but_only_permutes_resnet_ones():
    torch.manual_seed(0)
    x = torch.randn(8, 3, 32, 32)  # one clip of 8 frames
    resnet = ResNet(18).eval()
    tsm = ResNetTSM(18, num_segments=8).eval()
    tsm.load_state_dict(tsm.convert_weights(resnet.state_dict()))  # strict: every tensor has its place
    with torch.no_grad():
        plain, plain_reversed = resnet(x), resnet(x.flip(0))
        shifted, shifted_reversed = tsm(x), tsm(x.flip(0))
    torch.testing.assert_close(plain_reversed, plain.flip(0), rtol=1e-4, atol=1e-5)
    assert not torch.allclose(shifted_reversed, shifted.flip(0), rtol=1e-2, atol=1e-3)
    assert not torch.allclose(shifted, plain, rtol=1e-2, atol=1e-3)  # same weights, the shift alone differs


def test_frozen_stages_reach_the_wrapped_convolutions():
    model = ResNetTSM(18, frozen_stages=1).train()
    assert not model.layer1[0].conv1.conv.net.weight.requires_grad
    assert model.layer2[0].conv1.conv.net.weight.requires_grad


def test_temporal_pool_halves_the_frames_before_layer2_and_shifts_over_half():
    model = ResNetTSM(18, num_segments=4, temporal_pool=True).eval()
    assert isinstance(model.layer2, TemporalPool) and "layer2.net.0.conv1.conv.net.weight" in model.state_dict()
    assert model.layer1[0].conv1.conv.num_segments == 4
    assert [model.layer2.net[0].conv1.conv.num_segments, model.layer4[0].conv1.conv.num_segments] == [2, 2]
    with torch.no_grad():
        assert model(torch.randn(2 * 4, 3, 32, 32)).shape == (2 * 2, 512, 1, 1)


def test_temporal_pool_takes_the_max_of_each_frame_and_its_neighbours_with_stride_2():
    values = torch.tensor([3.0, 1.0, 4.0, 1.0, 5.0, 9.0]).view(6, 1, 1, 1)  # one clip of 6 frames
    pooled = TemporalPool(nn.Identity(), num_segments=6)(values).flatten().tolist()
    assert pooled == [3.0, 4.0, 9.0]  # windows (pad, 3, 1), (1, 4, 1), (1, 5, 9)


@pytest.mark.parametrize("kwargs, message", [
    (dict(shift_place="x"), r"shift_place must be one of \('blockres', 'block'\), not 'x'"),
    (dict(non_local=((0, 0), (1, 0, 1, 0), (0, 0), (0, 0)), non_local_cfg=dict(mode="dot_product")),
     r"ResNetTSM: non_local\[1\]=\(1, 0, 1, 0\) has 4 entries but layer2 has 2 blocks"),
    (dict(non_local=(0, 1, 0, 0), non_local_cfg=dict(mode="cosine")), "NonLocal3d: mode='cosine' is not one of"),
    (dict(temporal_pool=True, num_segments=5), "num_segments must be even, not 5"),
    (dict(num_segments=0), "num_segments"),
    (dict(depth=42), "depth must be one of"),
])
def test_bad_arguments_are_clear_errors(kwargs, message):
    kwargs = {"depth": 18, **kwargs}
    with pytest.raises(ValueError, match=message):
        ResNetTSM(**kwargs)
