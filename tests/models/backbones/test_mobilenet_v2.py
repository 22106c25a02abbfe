"""MobileNetV2 and MobileNetV2TSM as MMAction2 0.x builds and runs them."""
import numpy as np
import pytest
import torch

from vidrun.models.backbones import MobileNetV2, MobileNetV2TSM
from vidrun.models.backbones.mobilenet_v2 import make_divisible
from vidrun.models.layers import InvertedResidual, TemporalShift


@pytest.mark.parametrize("value, expected", [(32, 32), (8, 8), (18, 24), (10, 16), (1, 8), (36, 40), (320 * 1.4, 448)])
def test_make_divisible_rounds_to_multiples_of_8_without_losing_a_tenth(value, expected):
    # 18 → round(18/8)·8 = 16 < 0.9·18, so 24; 10 → 8 < 9, so 16; 36 → 40 (round half up).
    assert make_divisible(value, 8) == expected


def test_widths_and_stage_outputs():
    model = MobileNetV2(widen_factor=0.5, out_indices=(0, 1, 6, 7)).eval()
    assert model.conv1.conv.out_channels == 16 and model.layer7[0].conv[2].conv.out_channels == 160
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 32, 32), (1, 16, 16, 16), (1, 160, 2, 2), (1, 1280, 2, 2)]
    assert MobileNetV2(widen_factor=1.5).conv2.conv.out_channels == 1920
    assert isinstance(model.conv1.activate, torch.nn.ReLU6)


def test_blocks_add_their_input_only_when_shapes_allow():
    model = MobileNetV2()
    residual = [f"{n}.{i}" for n in model.layers[:-1] for i, b in enumerate(getattr(model, n)) if b.use_res_connect]
    assert residual == ["layer2.1", "layer3.1", "layer3.2", "layer4.1", "layer4.2", "layer4.3", "layer5.1",
                        "layer5.2", "layer6.1", "layer6.2"]
    assert len(model.layer1[0].conv) == 2  # expand_ratio 1: no expansion convolution


def numpy_shift(x: np.ndarray, segments: int, div: int) -> np.ndarray:
    """TSM's shift restated: of C channels, the first C//div take the next frame's, the next C//div the
    previous frame's (zeros at the clip ends)."""
    n, c = x.shape[:2]
    clips = x.reshape(n // segments, segments, c, -1)
    out, fold = clips.copy(), c // div
    out[:, :, :2 * fold] = 0
    out[:, :-1, :fold] = clips[:, 1:, :fold]
    out[:, 1:, fold:2 * fold] = clips[:, :-1, fold:2 * fold]
    return out.reshape(x.shape)


def test_tsm_shifts_the_expansion_input_of_residual_blocks_only():
    model = MobileNetV2TSM(num_segments=4, shift_div=8, widen_factor=0.5).eval()
    shifted = [n for n, m in model.named_modules() if isinstance(m, TemporalShift)]
    assert len(shifted) == 10 and shifted[0] == "layer2.1.conv.0"
    block = model.layer3[1]
    x = torch.randn(8, block.conv[0].net.conv.in_channels, 5, 5)
    with torch.no_grad():
        branch = torch.from_numpy(numpy_shift(x.numpy(), 4, 8))
        for layer in (block.conv[0].net, block.conv[1], block.conv[2]):
            branch = layer(branch)
        torch.testing.assert_close(block(x), x + branch)  # the identity path is not shifted
    assert not any(isinstance(m, TemporalShift) for m in MobileNetV2TSM(is_shift=False).modules())


def test_plain_weights_load_into_the_shifted_model(tmp_path):
    plain = MobileNetV2()
    torch.save(plain.state_dict(), tmp_path / "mobilenet_v2.pth")
    model = MobileNetV2TSM(pretrained=str(tmp_path / "mobilenet_v2.pth"))
    model.init_weights()
    assert torch.equal(model.layer2[1].conv[0].net.conv.weight, plain.layer2[1].conv[0].conv.weight)
    assert torch.equal(model.conv2.bn.running_var, plain.conv2.bn.running_var)


def test_frozen_stages_and_norm_eval():
    model = MobileNetV2(frozen_stages=2, norm_eval=True).train()
    assert not any(p.requires_grad for m in (model.conv1, model.layer1, model.layer2) for p in m.parameters())
    assert all(p.requires_grad for p in model.layer3.parameters())
    assert not any(m.training for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert MobileNetV2(frozen_stages=-1).train().layer1.training


@pytest.mark.parametrize("kwargs, match", [(dict(out_indices=(8,)), "out_indices"),
                                           (dict(frozen_stages=9), "frozen_stages")])
def test_bad_arguments_name_the_culprit(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MobileNetV2(**kwargs)
    with pytest.raises(ValueError, match="stride"):
        InvertedResidual(8, 8, 3, 6)


def settings(conv):
    return conv.kernel_size, conv.stride, conv.padding, conv.groups, conv.bias is not None


def test_layers_follow_mmaction2s_rules():
    """Restated from MMAction2's mobilenet_v2.py: per stage (t, c, n, s), blocks of hidden width round(in·t):
    1×1 expansion (if t ≠ 1), 3×3 depthwise with stride s on the first block, 1×1 projection without activation;
    no conv bias (every conv has a BN); stem 3×3 stride 2 to 32; conv2 1×1 to 1280."""
    model = MobileNetV2()
    assert settings(model.conv1.conv) == ((3, 3), (2, 2), (1, 1), 1, False)
    in_channels = 32
    for stage, (t, c, n, s) in enumerate(MobileNetV2.arch_settings):
        for i, block in enumerate(getattr(model, f"layer{stage + 1}")):
            hidden, stride = int(round(in_channels * t)), s if i == 0 else 1
            convs = [m.conv for m in block.conv]
            expected = ([((1, 1), (1, 1), (0, 0), 1, False)] if t != 1 else []) + [
                ((3, 3), (stride, stride), (1, 1), hidden, False), ((1, 1), (1, 1), (0, 0), 1, False)]
            assert [settings(conv) for conv in convs] == expected
            assert convs[-1].out_channels == c and not block.conv[-1].with_activation
            in_channels = c
    assert settings(model.conv2.conv) == ((1, 1), (1, 1), (0, 0), 1, False) and model.conv2.conv.out_channels == 1280
