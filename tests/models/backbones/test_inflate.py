"""Inflating 2D ResNet weights (torchvision or MMAction2 names) into ResNet3d."""
import logging

import pytest
import torch
import torch.nn.functional as F

from vidrun.models.backbones.inflate import inflate_tensor, inflate_weights
from vidrun.models.backbones.resnet3d import ResNet3d
from vidrun.models.legacy_keys import legacy_name


def weights_2d(model: ResNet3d, seed: int = 0) -> dict:
    """Random 2D ImageNet-style weights for `model`, torchvision names, with an ImageNet classifier."""
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for key, like in model.state_dict().items():
        shape = like.shape[:2] + like.shape[3:] if like.dim() == 5 else like.shape
        if key.endswith("num_batches_tracked"):
            state[key] = torch.tensor(7)
        elif key.endswith("running_var"):
            state[key] = torch.rand(shape, generator=generator) + 0.5
        else:
            state[key] = torch.randn(shape, generator=generator) * 0.1
    state = {legacy_name(key): value for key, value in state.items()}  # conv1.conv.weight → conv1.weight
    return {**state, "fc.weight": torch.randn(10, model.feat_dim), "fc.bias": torch.randn(10)}


@pytest.fixture
def vidrun_log(monkeypatch, caplog):
    monkeypatch.setattr(logging.getLogger("vidrun"), "propagate", True)  # let caplog see the records
    caplog.set_level(logging.INFO, logger="vidrun")
    return caplog


def inflated_model(tmp_path, state: dict, **kwargs) -> ResNet3d:
    torch.save(state, tmp_path / "r2d.pth")
    model = ResNet3d(18, pretrained=str(tmp_path / "r2d.pth"), pretrained2d=True, **kwargs)
    model.init_weights()
    return model.eval()


def test_each_inflated_conv_sums_over_time_to_the_2d_kernel(tmp_path, vidrun_log):
    model = ResNet3d(18, base_channels=8)
    state = weights_2d(model)
    model = inflated_model(tmp_path, state, base_channels=8)
    inflated = model.state_dict()
    assert set(inflated) == {k for k in model.state_dict()} and len(inflated) + 2 == len(state)
    for key in inflated:
        weight = state[legacy_name(key)]
        if inflated[key].dim() == 5:
            kt = inflated[key].shape[2]
            assert torch.allclose(inflated[key].sum(2), weight, atol=1e-6), key
            assert torch.allclose(inflated[key][:, :, kt // 2] * kt, weight, atol=1e-6), key
        else:
            assert torch.equal(inflated[key], weight.to(inflated[key].dtype)), key
    assert not [r for r in vidrun_log.records if r.levelno >= logging.WARNING]
    assert "ignored the 2D classifier fc.weight, fc.bias" in vidrun_log.text


def test_first_conv_on_identical_frames_equals_the_2d_conv(tmp_path):
    model = ResNet3d(18, base_channels=8)
    state = weights_2d(model)
    model = inflated_model(tmp_path, state, base_channels=8)
    frame = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        out_3d = model.conv1.conv(frame.unsqueeze(2).expand(-1, -1, 5, -1, -1))
        out_2d = F.conv2d(frame, state["conv1.weight"], stride=2, padding=3)
    for t in (1, 2, 3):  # the first and last frames see the zero temporal padding
        assert torch.allclose(out_3d[:, :, t], out_2d, atol=1e-5)


def test_whole_network_on_identical_frames_matches_its_2d_counterpart(tmp_path):
    # A ResNet3d whose kernels all have one frame is the 2D network applied frame by frame; the inflated one
    # must agree with it on the middle frame of a clip of identical frames long enough to escape the padding
    # (stem + 8 blocks × 2 convs, each 3 frames wide: 17 frames either side).
    state = weights_2d(ResNet3d(18, base_channels=8))
    common = dict(base_channels=8, with_pool2=False, out_indices=(0, 1, 2, 3))
    inflated = inflated_model(tmp_path, state, **common)
    per_frame = inflated_model(tmp_path, state, conv1_kernel=(1, 7, 7), inflate=0, **common)
    clip = torch.randn(1, 3, 1, 32, 32).expand(-1, -1, 35, -1, -1)
    with torch.no_grad():
        for a, b in zip(inflated(clip), per_frame(clip)):
            assert torch.allclose(a[:, :, 17], b[:, :, 17], atol=1e-5)


def test_mmaction_named_2d_weights_inflate_the_same(tmp_path, to_mmaction_names):
    state = weights_2d(ResNet3d(18, base_channels=8))
    plain = inflated_model(tmp_path, state, base_channels=8).state_dict()
    renamed = to_mmaction_names(state)
    assert "layer1.0.conv2.bn.running_mean" in renamed and "conv1.conv.weight" in renamed
    other = inflated_model(tmp_path, {"state_dict": {f"backbone.{k}": v for k, v in renamed.items()}},
                           base_channels=8).state_dict()
    assert all(torch.equal(plain[k], other[k]) for k in plain)


def test_everything_left_out_is_reported_in_one_warning(vidrun_log):
    model = ResNet3d(18, base_channels=8, in_channels=2)  # a flow model: conv1 cannot take RGB weights
    state = weights_2d(ResNet3d(18, base_channels=8))
    del state["layer4.1.bn2.running_var"]
    state["layer9.0.conv1.weight"] = torch.zeros(1)
    before = model.conv1.conv.weight.clone()
    report = inflate_weights(model, state, source="r2d.pth")
    assert report.missing == ["layer4.1.conv2.bn.running_var"]
    assert report.unused == ["fc.weight", "fc.bias", "layer9.0.conv1.weight"]
    assert report.mismatched == {"conv1.conv.weight": ((8, 3, 7, 7), (8, 2, 3, 7, 7))}
    assert torch.equal(model.conv1.conv.weight, before)
    warnings = [r.getMessage() for r in vidrun_log.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "inflating r2d.pth into ResNet3d" in warnings[0] and "fc.weight" not in warnings[0]
    for text in ("layer4.1.conv2.bn.running_var", "layer9.0.conv1.weight", "conv1.conv.weight (left as initialised): "
                 "2D (8, 3, 7, 7), 3D (8, 2, 3, 7, 7)"):
        assert text in warnings[0]


def test_inflate_tensor_copies_inflates_or_refuses():
    weight = torch.randn(4, 3, 3, 3)
    assert torch.equal(inflate_tensor(weight, torch.empty(4, 3, 3, 3)), weight)
    inflated = inflate_tensor(weight, torch.empty(4, 3, 5, 3, 3))
    assert torch.allclose(inflated, weight.unsqueeze(2).repeat(1, 1, 5, 1, 1) / 5)
    assert inflate_tensor(weight, torch.empty(4, 3, 5, 1, 1)) is None
    assert inflate_tensor(torch.randn(4), torch.empty(5)) is None


def test_remote_pretrained_names_are_refused_with_a_way_out():
    model = ResNet3d(18, base_channels=8, pretrained="torchvision://resnet50")
    with pytest.raises(ValueError, match=r"ResNet3d: pretrained='torchvision://resnet50' names a download.*local"):
        model.init_weights()
