"""ResNet: shapes, torchvision/MMAction2 weight names, freezing and BN modes."""
import logging
import re

import pytest
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from vidrun.models.backbones.resnet import Bottleneck, ResNet, convert_mmaction_keys
from vidrun.models.registries import BACKBONES

# torchvision's parameter counts minus the 1000-way classifier (fc: in·1000 + 1000)
TORCHVISION_PARAMS = {18: 11_689_512 - (512 * 1000 + 1000), 50: 25_557_032 - (2048 * 1000 + 1000)}


def perturbed_state(model: nn.Module, seed: int = 0) -> dict:
    """The model's state dict with every float tensor replaced by random values (distinct from any init)."""
    gen = torch.Generator().manual_seed(seed)
    return {k: torch.randn(v.shape, generator=gen) if v.is_floating_point() else v.clone()
            for k, v in model.state_dict().items()}


def to_mmaction(key: str) -> str:
    """The name MMAction2 (ConvModule) gives a torchvision-named key."""
    key = re.sub(r"^bn1\.", "conv1.bn.", key)
    key = re.sub(r"^conv1\.", "conv1.conv.", key)
    key = re.sub(r"\.conv(\d)\.", r".conv\1.conv.", key)
    key = re.sub(r"\.bn(\d)\.", r".conv\1.bn.", key)
    return key.replace("downsample.0.", "downsample.conv.").replace("downsample.1.", "downsample.bn.")


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
    assert (block.conv1.stride, block.conv2.stride) == ((conv1_stride,) * 2, (conv2_stride,) * 2)


def test_names_are_torchvision_names():
    keys = set(ResNet(50).state_dict())
    assert {"conv1.weight", "bn1.running_var", "layer1.0.conv3.weight", "layer1.0.bn3.bias",
            "layer1.0.downsample.0.weight", "layer1.0.downsample.1.weight", "layer4.2.bn2.weight"} <= keys
    assert not any(".conv." in k or ".bn." in k for k in keys)


def test_registered_and_built_from_a_config():
    assert BACKBONES.get("ResNet") is ResNet
    model = BACKBONES.build(dict(type="ResNet", depth=18, norm_eval=True))
    assert isinstance(model, ResNet) and model.norm_eval


def test_init_weights_without_pretrained_is_kaiming_and_constant():
    model = ResNet(18)
    model.init_weights()
    assert torch.equal(model.bn1.weight, torch.ones(64)) and torch.equal(model.bn1.bias, torch.zeros(64))
    fan_out = 64 * 7 * 7
    assert model.conv1.weight.std().item() == pytest.approx((2 / fan_out) ** 0.5, rel=0.1)


def test_convert_mmaction_keys():
    names = {"conv1.conv.weight": "conv1.weight", "conv1.bn.running_mean": "bn1.running_mean",
             "layer1.0.conv1.conv.weight": "layer1.0.conv1.weight", "layer2.3.conv3.bn.bias": "layer2.3.bn3.bias",
             "layer3.0.downsample.conv.weight": "layer3.0.downsample.0.weight",
             "layer3.0.downsample.bn.num_batches_tracked": "layer3.0.downsample.1.num_batches_tracked",
             "layer1.0.conv1.conv.net.weight": "layer1.0.conv1.net.weight",  # MMAction2's TSM
             "layer1.0.bn2.weight": "layer1.0.bn2.weight", "fc.weight": "fc.weight"}  # already torchvision
    state = {k: torch.tensor(float(i)) for i, k in enumerate(names)}
    state = type("StateDict", (dict,), {})(state)
    state._metadata = {"conv1.bn": {"version": 2}, "layer3.0.downsample.bn": {"version": 2}}
    converted = convert_mmaction_keys(state)
    assert list(converted) == list(names.values())
    assert [v.item() for v in converted.values()] == list(range(len(names)))
    assert set(converted._metadata) == {"bn1", "layer3.0.downsample.1"}


def test_convert_mmaction_keys_refuses_two_names_for_one_tensor():
    with pytest.raises(ValueError, match="conv1.weight"):
        convert_mmaction_keys({"conv1.weight": torch.zeros(1), "conv1.conv.weight": torch.zeros(1)})


@pytest.mark.parametrize("naming", ["torchvision", "mmaction"])
def test_pretrained_file_loads_with_either_naming(tmp_path, caplog, naming):
    expected = perturbed_state(ResNet(18))
    saved = {(to_mmaction(k) if naming == "mmaction" else k): v for k, v in expected.items()}
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
    assert not torch.equal(before["bn1.running_mean"], model.bn1.running_mean)


def test_frozen_stages_freeze_stem_and_first_stages():
    model = ResNet(18, frozen_stages=1)
    model.train()
    frozen = [n for n, _ in model.named_parameters() if n.startswith(("conv1.", "bn1.", "layer1."))]
    assert frozen and all(not p.requires_grad for n, p in model.named_parameters() if n in frozen)
    assert all(p.requires_grad for n, p in model.named_parameters() if n not in frozen)
    assert not model.bn1.training and not model.layer1.training and model.layer2.training
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    model(torch.randn(2, 3, 32, 32)).sum().backward()
    optimizer.step()
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith(("conv1.", "bn1.", "layer1.")))
    assert not torch.equal(before["layer2.0.conv1.weight"], after["layer2.0.conv1.weight"])


def test_partial_bn_freezes_every_bn_but_the_first():
    model = ResNet(18, partial_bn=True)
    model.train()
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert bns[0] is model.bn1 and bns[0].training and bns[0].weight.requires_grad
    assert all(not m.training and not m.weight.requires_grad and not m.bias.requires_grad for m in bns[1:])
    model.eval()
    assert not model.bn1.training


def test_with_cp_gives_the_same_outputs_and_gradients():
    torch.manual_seed(0)
    plain, checkpointed = ResNet(18), ResNet(18, with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 32, 32)
    grads = []
    for model in (plain, checkpointed):
        out = model.train()(x)
        out.square().mean().backward()
        grads.append((out.detach(), model.layer2[0].conv1.weight.grad.clone()))
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
