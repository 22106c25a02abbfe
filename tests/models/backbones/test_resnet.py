"""ResNet: shapes, torchvision/MMAction2 weight names, freezing and BN modes."""
import logging

import pytest
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from vidrun.models.backbones.resnet import Bottleneck, ResNet
from vidrun.models.legacy_keys import legacy_name
from vidrun.models.registries import BACKBONES

# torchvision's parameter counts minus the 1000-way classifier (fc: in·1000 + 1000)
TORCHVISION_PARAMS = {18: 11_689_512 - (512 * 1000 + 1000), 50: 25_557_032 - (2048 * 1000 + 1000)}


def perturbed_state(model: nn.Module, seed: int = 0) -> dict:
    """The model's state dict with every float tensor replaced by random values (distinct from any init)."""
    gen = torch.Generator().manual_seed(seed)
    return {k: torch.randn(v.shape, generator=gen) if v.is_floating_point() else v.clone()
            for k, v in model.state_dict().items()}


def assert_same_state(model: nn.Module, expected: dict) -> None:
    state = model.state_dict()
    assert state.keys() == expected.keys()
    for key, value in expected.items():
        assert torch.equal(state[key], value), key


@pytest.mark.parametrize("depth, channels", [(18, 512), (34, 512), (50, 2048), (101, 2048)])
def test_output_has_stride_32_and_the_stage_channels(depth, channels):
    model = ResNet(depth).eval()
    assert model.feat_dim == channels
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 64)).shape == (1, channels, 2, 2)


@pytest.mark.parametrize("depth", [18, 50])
def test_parameter_count_is_torchvision_without_fc(depth):
    assert sum(p.numel() for p in ResNet(depth).parameters()) == TORCHVISION_PARAMS[depth]


def test_several_out_indices_give_a_tuple():
    model = ResNet(18, out_indices=(0, 1, 2, 3)).eval()
    with torch.no_grad():
        outs = model(torch.randn(2, 3, 64, 64))
    assert isinstance(outs, tuple)
    assert [o.shape for o in outs] == [(2, 64, 16, 16), (2, 128, 8, 8), (2, 256, 4, 4), (2, 512, 2, 2)]


def test_fewer_stages_strides_and_dilations():
    model = ResNet(18, num_stages=3, out_indices=(2,), strides=(1, 2, 1), dilations=(1, 1, 2)).eval()
    assert not hasattr(model, "layer4") and model.feat_dim == 256
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 64)).shape == (1, 256, 8, 8)


@pytest.mark.parametrize("style, conv1_stride, conv2_stride", [("pytorch", 1, 2), ("caffe", 2, 1)])
def test_style_puts_the_stride_on_the_3x3_or_the_first_1x1(style, conv1_stride, conv2_stride):
    block = ResNet(50, style=style).layer2[0]
    assert isinstance(block, Bottleneck)
    assert (block.conv1.conv.stride, block.conv2.conv.stride) == ((conv1_stride,) * 2, (conv2_stride,) * 2)


def test_names_are_mmaction_names():
    keys = set(ResNet(50).state_dict())
    assert {"conv1.conv.weight", "conv1.bn.running_var", "layer1.0.conv3.conv.weight", "layer1.0.conv3.bn.bias",
            "layer1.0.downsample.conv.weight", "layer1.0.downsample.bn.weight", "layer4.2.conv2.bn.weight"} <= keys
    assert not any(k.startswith("bn1.") or ".bn1." in k or "downsample.0" in k for k in keys)


def test_registered_and_built_from_a_config():
    assert BACKBONES.get("ResNet") is ResNet
    model = BACKBONES.build(dict(type="ResNet", depth=18, norm_eval=True))
    assert isinstance(model, ResNet) and model.norm_eval


def test_init_weights_without_pretrained_is_kaiming_and_constant():
    model = ResNet(18)
    model.init_weights()
    assert torch.equal(model.conv1.bn.weight, torch.ones(64)) and torch.equal(model.conv1.bn.bias, torch.zeros(64))
    fan_out = 64 * 7 * 7
    assert model.conv1.conv.weight.std().item() == pytest.approx((2 / fan_out) ** 0.5, rel=0.1)


@pytest.mark.parametrize("naming", ["torchvision", "mmaction"])
def test_pretrained_file_loads_with_either_naming(tmp_path, caplog, naming):
    expected = perturbed_state(ResNet(18))
    saved = {(k if naming == "mmaction" else legacy_name(k)): v for k, v in expected.items()}
    assert (naming == "mmaction") == ("conv1.conv.weight" in saved)
    saved.update({"fc.weight": torch.zeros(1000, 512), "fc.bias": torch.zeros(1000)})  # as torchvision saves
    path = tmp_path / "resnet18.pth"
    torch.save(saved, path)
    model = ResNet(18, pretrained=str(path))
    with caplog.at_level(logging.INFO, logger="vidrun"):
        model.init_weights()
    assert_same_state(model, expected)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "fc.weight" in caplog.text  # the classifier is left out, and said so


def test_missing_keys_are_reported(tmp_path, caplog):
    state = {k: v for k, v in ResNet(18).state_dict().items() if not k.startswith("layer4.")}
    torch.save(state, tmp_path / "partial.pth")
    with caplog.at_level(logging.WARNING, logger="vidrun"):
        ResNet(18, pretrained=str(tmp_path / "partial.pth")).init_weights()
    assert "missing keys" in caplog.text and "layer4" in caplog.text


def test_remote_pretrained_asks_for_a_local_file():
    with pytest.raises(ValueError, match="local file"):
        ResNet(50, pretrained="torchvision://resnet50").init_weights()


def bn_state(model: nn.Module) -> dict:
    return {k: v.clone() for k, v in model.state_dict().items() if "running" in k or "num_batches" in k}


def test_norm_eval_keeps_bn_in_eval_mode_and_running_stats_fixed():
    model = ResNet(18, norm_eval=True)
    model.train()
    assert model.training
    assert all(not m.training for m in model.modules() if isinstance(m, _BatchNorm))
    before = bn_state(model)
    model(torch.randn(2, 3, 32, 32))
    after = bn_state(model)
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_without_norm_eval_bn_trains():
    model = ResNet(18).train()
    before = bn_state(model)
    model(torch.randn(2, 3, 32, 32))
    assert not torch.equal(before["conv1.bn.running_mean"], model.conv1.bn.running_mean)


def test_frozen_stages_freeze_stem_and_first_stages():
    model = ResNet(18, frozen_stages=1)
    model.train()
    frozen = [n for n, _ in model.named_parameters() if n.startswith(("conv1.", "layer1."))]
    assert frozen and all(not p.requires_grad for n, p in model.named_parameters() if n in frozen)
    assert all(p.requires_grad for n, p in model.named_parameters() if n not in frozen)
    assert not model.conv1.bn.training and not model.layer1.training and model.layer2.training
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    model(torch.randn(2, 3, 32, 32)).sum().backward()
    optimizer.step()
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith(("conv1.", "layer1.")))
    assert not torch.equal(before["layer2.0.conv1.conv.weight"], after["layer2.0.conv1.conv.weight"])


def test_partial_bn_freezes_every_bn_but_the_first():
    model = ResNet(18, partial_bn=True)
    model.train()
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert bns[0] is model.conv1.bn and bns[0].training and bns[0].weight.requires_grad
    assert all(not m.training and not m.weight.requires_grad and not m.bias.requires_grad for m in bns[1:])
    model.eval()
    assert not model.conv1.bn.training


def test_with_cp_gives_the_same_outputs_and_gradients():
    torch.manual_seed(0)
    plain, checkpointed = ResNet(18), ResNet(18, with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 32, 32)
    grads = []
    for model in (plain, checkpointed):
        out = model.train()(x)
        out.square().mean().backward()
        grads.append((out.detach(), model.layer2[0].conv1.conv.weight.grad.clone()))
    torch.testing.assert_close(grads[0][0], grads[1][0])
    torch.testing.assert_close(grads[0][1], grads[1][1])


@pytest.mark.parametrize("kwargs, message", [
    (dict(depth=42), r"depth must be one of \[18, 34, 50, 101, 152\], not 42"),
    (dict(depth=18, style="x"), "style must be 'pytorch' or 'caffe'"),
    (dict(depth=18, out_indices=(4,)), "out_indices"),
    (dict(depth=18, num_stages=5), "num_stages"),
    (dict(depth=18, frozen_stages=5), "frozen_stages"),
    (dict(depth=18, num_stages=4, strides=(1, 2)), "strides"),
])
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ResNet(**kwargs)


def test_pretrained_of_the_wrong_type():
    with pytest.raises(TypeError, match="pretrained"):
        ResNet(18, pretrained=3).init_weights()
