"""Same computation as MMAction2 0.24.1: for every config of the TSN, TSM, I3D, SlowOnly, X3D and C3D folders that
vidrun builds, each layer has the kernel, stride, padding, dilation, groups, bias, norm settings and pooling that
MMAction2's code gives it, restated here from that code's rules (not from vidrun's); heads pool, drop out
(nothing in eval mode) and average segments as MMAction2's do.

The models are built on the meta device from the resolved `cfg.model` of each config (the reference files of
`reference_state_dicts/`): the layer settings are there, without weights.
"""
import copy
import functools

import pytest
import torch
from torch import nn

from vidrun.models import BACKBONES, HEADS, build_model
from vidrun.models.layers import TemporalPool, TemporalShift
from vidrun.models.layers.non_local import NonLocal3d, NonLocalFrames

from .test_reference_keys import ARCHITECTURES, COMPARED, case_id, without_pretrained

# MMAction2 0.24.1's constructor defaults (resnet3d.py, resnet3d_slowonly.py, resnet.py, resnet_tsm.py).
RESNET3D = dict(spatial_strides=(1, 2, 2, 2), temporal_strides=(1, 1, 1, 1), dilations=(1, 1, 1, 1),
                conv1_kernel=(3, 7, 7), conv1_stride_s=2, conv1_stride_t=1, pool1_stride_s=2, pool1_stride_t=1,
                with_pool1=True, with_pool2=True, style="pytorch", inflate=(1, 1, 1, 1), inflate_style="3x1x1",
                base_channels=64)
SLOWONLY = dict(RESNET3D, conv1_kernel=(1, 7, 7), inflate=(0, 0, 1, 1), with_pool2=False)
RESNET = dict(strides=(1, 2, 2, 2), dilations=(1, 1, 1, 1), style="pytorch")
TSM = dict(RESNET, num_segments=8, shift_div=8, shift_place="blockres", temporal_pool=False, is_shift=True)
HEAD_DROPOUT = {"TSNHead": 0.4, "TSMHead": 0.8, "I3DHead": 0.5, "X3DHead": 0.5}


def model_cfg(case) -> dict:
    arch, i = case
    return without_pretrained(copy.deepcopy(ARCHITECTURES[arch]["model_cfgs"][i]["model"]))


@functools.lru_cache(maxsize=None)
def built(case):
    """The model of `case` on the meta device (its backbone alone when it has no head), built once."""
    cfg = model_cfg(case)
    with torch.device("meta"):
        return build_model(cfg) if cfg.get("cls_head") else BACKBONES.build(cfg["backbone"])


def cases(*backbones):
    return [c for c in COMPARED if model_cfg(c)["backbone"]["type"] in backbones and model_cfg(c).get("cls_head")]


def conv_of(module):
    """The nn.Conv of a ConvModule (through a TemporalShift wrapper)."""
    conv = module.conv
    return conv.net if isinstance(conv, TemporalShift) else conv


def settings(conv) -> tuple:
    return conv.kernel_size, conv.stride, conv.padding, conv.dilation, conv.groups, conv.bias is not None


def per_block(value, blocks: int) -> tuple:
    return (value,) * blocks if isinstance(value, int) else tuple(value)


@pytest.mark.parametrize("case", COMPARED, ids=case_id)
def test_every_norm_has_mmcvs_defaults(case):
    cfg = model_cfg(case)
    model = built(case)
    non_local = [m for nl in model.modules() if isinstance(nl, NonLocal3d) for m in nl.modules()]
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
             and not any(m is n for n in non_local)]  # a non-local block's norm: its own norm_cfg (BN3d)
    assert all(type(m) is nn.BatchNorm3d for m in non_local if isinstance(m, nn.modules.batchnorm._BatchNorm))
    assert all((m.eps, m.momentum, m.affine, m.track_running_stats) == (1e-5, 0.1, True, True) for m in norms)
    two_d = ("ResNet", "ResNetTSM", "MobileNetV2TSM")
    expected = nn.BatchNorm2d if cfg["backbone"]["type"] in two_d else nn.BatchNorm3d
    norm_cfg = cfg["backbone"].get("norm_cfg", {"type": "BN"})
    if norm_cfg and norm_cfg["type"] == "SyncBN":  # mmcv's SyncBN is torch's
        expected = nn.SyncBatchNorm
    assert bool(norms) == (norm_cfg is not None) and all(type(m) is expected for m in norms)


def bottleneck3d(inplanes, planes, ss, ts, d, inflate, style, inflate_style):
    """MMAction2's Bottleneck3d settings: (conv1, conv2, conv3, downsample or None), each as `settings`."""
    if not inflate:
        (k1, p1), (k2, p2) = ((1, 1, 1), (0, 0, 0)), ((1, 3, 3), (0, d, d))
    elif inflate_style == "3x1x1":
        (k1, p1), (k2, p2) = ((3, 1, 1), (1, 0, 0)), ((1, 3, 3), (0, d, d))
    else:
        (k1, p1), (k2, p2) = ((1, 1, 1), (0, 0, 0)), ((3, 3, 3), (1, d, d))
    strided, one = (ts, ss, ss), (1, 1, 1)
    s1, s2 = (one, strided) if style == "pytorch" else (strided, one)
    down = None
    if ss != 1 or inplanes != planes * 4:
        down = ((1, 1, 1), strided, (0, 0, 0), one, 1, False)
    return ((k1, s1, p1, one, 1, False), (k2, s2, p2, (1, d, d), 1, False),
            ((1, 1, 1), one, (0, 0, 0), one, 1, False), down)


@pytest.mark.parametrize("case", cases("ResNet3d", "ResNet3dSlowOnly"), ids=case_id)
def test_resnet3d_layers_follow_mmaction2s_rules(case):
    cfg = model_cfg(case)
    b = {**(SLOWONLY if cfg["backbone"]["type"] == "ResNet3dSlowOnly" else RESNET3D), **cfg["backbone"]}
    backbone = built(case).backbone
    kernel = tuple(b["conv1_kernel"])
    stem = (kernel, (b["conv1_stride_t"], b["conv1_stride_s"], b["conv1_stride_s"]),
            tuple((k - 1) // 2 for k in kernel), (1, 1, 1), 1, False)
    assert settings(backbone.conv1.conv) == stem
    pool = backbone.maxpool
    if b["with_pool1"]:
        assert (pool.kernel_size, pool.stride, pool.padding) == (
            (1, 3, 3), (b["pool1_stride_t"], b["pool1_stride_s"], b["pool1_stride_s"]), (0, 1, 1))
    else:
        assert isinstance(pool, nn.Identity)
    pool2 = backbone.pool2
    assert (isinstance(pool2, nn.MaxPool3d) and (pool2.kernel_size, pool2.stride) == ((2, 1, 1), (2, 1, 1))) \
        == b["with_pool2"]
    inplanes = b["base_channels"]
    for i, name in enumerate(backbone.res_layers):
        layer, planes = getattr(backbone, name), b["base_channels"] * 2 ** i
        flags = per_block(per_block(b["inflate"], 4)[i], len(layer))
        for j, block in enumerate(layer):
            ss, ts = (b["spatial_strides"][i], b["temporal_strides"][i]) if j == 0 else (1, 1)
            expected = bottleneck3d(inplanes if j == 0 else planes * 4, planes, ss, ts, b["dilations"][i],
                                    flags[j] == 1, b["style"], b["inflate_style"])
            got = [settings(getattr(block, c).conv) for c in ("conv1", "conv2", "conv3")]
            got.append(settings(block.downsample.conv) if block.downsample is not None else None)
            assert got == list(expected), f"{name}.{j}"
            assert [getattr(block, c).with_activation for c in ("conv1", "conv2", "conv3")] == [True, True, False]
        inplanes = planes * 4


def resnet_block(inplanes, planes, stride, d, style, bottleneck):
    """MMAction2's 2D Bottleneck / BasicBlock conv settings, the shortcut projection last (or None)."""
    one, down = (1, 1), None
    if bottleneck:
        s1, s2 = ((1, 1), (stride,) * 2) if style == "pytorch" else ((stride,) * 2, (1, 1))
        convs = [((1, 1), s1, (0, 0), one, 1, False), ((3, 3), s2, (d, d), (d, d), 1, False),
                 ((1, 1), one, (0, 0), one, 1, False)]
    else:
        convs = [((3, 3), (stride,) * 2, (d, d), (d, d), 1, False), ((3, 3), one, (1, 1), one, 1, False)]
    out = planes * (4 if bottleneck else 1)
    if stride != 1 or inplanes != out:
        down = ((1, 1), (stride,) * 2, (0, 0), one, 1, False)
    return convs + [down]


@pytest.mark.parametrize("case", cases("ResNet", "ResNetTSM"), ids=case_id)
def test_resnet_and_tsm_layers_follow_mmaction2s_rules(case):
    cfg = model_cfg(case)
    b = {**(TSM if cfg["backbone"]["type"] == "ResNetTSM" else dict(TSM, is_shift=False)), **cfg["backbone"]}
    backbone = built(case).backbone
    assert settings(backbone.conv1.conv) == ((7, 7), (2, 2), (3, 3), (1, 1), 1, False)
    assert (backbone.maxpool.kernel_size, backbone.maxpool.stride, backbone.maxpool.padding) == (3, 2, 1)
    bottleneck, inplanes = b["depth"] >= 50, 64
    every = 2 if b["depth"] >= 101 else 1  # MMAction2 shifts every other block when layer3 has 23 or more
    for i, name in enumerate(backbone.res_layers):
        layer, planes = getattr(backbone, name), 64 * 2 ** i
        if isinstance(layer, TemporalPool):
            assert b["temporal_pool"] and i == 1
            layer = layer.net
        segments = b["num_segments"] // 2 if b["temporal_pool"] and i > 0 else b["num_segments"]
        for j, block in enumerate(layer):
            if isinstance(block, NonLocalFrames):  # TSM-NL: the block, then a non-local block over its clip
                assert per_block(per_block(b["non_local"], 4)[i], len(layer))[j] == 1, f"{name}.{j}"
                block = block.block
            stride = b["strides"][i] if j == 0 else 1
            expected = resnet_block(inplanes if j == 0 else planes * (4 if bottleneck else 1), planes, stride,
                                    b["dilations"][i], b["style"], bottleneck)
            convs = ("conv1", "conv2", "conv3") if bottleneck else ("conv1", "conv2")
            got = [settings(conv_of(getattr(block, c))) for c in convs]
            assert got + [settings(block.downsample.conv) if block.downsample else None] == expected
            shifted = block.conv1.conv if isinstance(block.conv1.conv, TemporalShift) else None
            assert (shifted is not None) == (b["is_shift"] and j % every == 0), f"{name}.{j}"
            if shifted is not None:
                assert (shifted.num_segments, shifted.shift_div) == (segments, b["shift_div"])
        inplanes = planes * (4 if bottleneck else 1)


@pytest.mark.parametrize("case", cases("X3D"), ids=case_id)
def test_x3d_layers_follow_mmaction2s_rules(case):
    backbone = built(case).backbone
    assert settings(backbone.conv1_s.conv) == ((1, 3, 3), (1, 2, 2), (0, 1, 1), (1, 1, 1), 1, False)
    assert not backbone.conv1_s.with_norm and not backbone.conv1_s.with_activation
    assert settings(backbone.conv1_t.conv) == ((5, 1, 1), (1, 1, 1), (2, 0, 0), (1, 1, 1), 24, False)
    assert [len(getattr(backbone, n)) for n in backbone.res_layers] == [3, 5, 11, 7]  # ceil(2.2 × (1, 2, 5, 3))
    for i, name in enumerate(backbone.res_layers):
        width = 24 * 2 ** i
        for j, block in enumerate(getattr(backbone, name)):
            planes, stride = int(width * 2.25), (2 if j == 0 else 1)
            assert settings(block.conv2.conv) == ((3, 3, 3), (1, stride, stride), (1, 1, 1), (1, 1, 1), planes,
                                                  False)
            assert (block.se_module is not None) == (j % 2 == 0)
            assert isinstance(block.swish, nn.SiLU) and not block.conv2.with_activation
    assert backbone.conv5.with_activation and settings(backbone.conv5.conv)[0] == (1, 1, 1)


@pytest.mark.parametrize("case", cases("C3D"), ids=case_id)
def test_c3d_layers_follow_mmaction2s_rules(case):
    backbone = built(case).backbone
    convs = [m for m in backbone.modules() if isinstance(m, nn.Conv3d)]
    assert len(convs) == 8
    assert all(settings(c) == ((3, 3, 3), (1, 1, 1), (1, 1, 1), (1, 1, 1), 1, True) for c in convs)
    pools = [getattr(backbone, f"pool{i}") for i in range(1, 6)]
    assert [(p.kernel_size, p.stride, p.padding) for p in pools] == [
        ((1, 2, 2), (1, 2, 2), 0), *[((2, 2, 2), (2, 2, 2), 0)] * 3, ((2, 2, 2), (2, 2, 2), (0, 1, 1))]
    assert backbone.dropout.p == 0.5 and backbone.fc6.in_features == 8192


@pytest.mark.parametrize("case", [c for c in COMPARED if model_cfg(c).get("cls_head")], ids=case_id)
def test_heads_pool_and_drop_out_as_configured(case):
    cfg = model_cfg(case)
    head_cfg, head = cfg["cls_head"], built(case).cls_head
    dropout = head_cfg.get("dropout_ratio", HEAD_DROPOUT[head_cfg["type"]])
    assert (head.dropout.p if head.dropout is not None else 0) == dropout
    pool = head.pool if head_cfg["type"] == "X3DHead" else head.avg_pool
    expected = {None: type(None), "avg": nn.AdaptiveAvgPool3d if head_cfg["type"] in ("I3DHead", "X3DHead")
                else nn.AdaptiveAvgPool2d}
    assert type(pool) is expected[head_cfg.get("spatial_type", "avg")]
    if head_cfg["type"] in ("TSNHead", "TSMHead"):
        assert head.consensus.dim == 1


@pytest.mark.parametrize("head_cfg, x, num_segs", [
    (dict(type="TSNHead", num_classes=4, in_channels=6, dropout_ratio=0.4), torch.randn(6, 6, 3, 3), 3),
    (dict(type="TSMHead", num_classes=4, in_channels=6, num_segments=3, dropout_ratio=0.8), torch.randn(6, 6, 3, 3), 3),
    (dict(type="I3DHead", num_classes=4, in_channels=6, dropout_ratio=0.5), torch.randn(2, 6, 2, 3, 3), None),
    (dict(type="X3DHead", num_classes=4, in_channels=6, dropout_ratio=0.5), torch.randn(2, 6, 2, 3, 3), None),
])
def test_heads_in_eval_mode_drop_nothing_and_average_segments(head_cfg, x, num_segs):
    head = HEADS.build(head_cfg).eval()
    args = () if num_segs is None else (num_segs,)
    with torch.no_grad():
        out = head(x, *args)
        if head_cfg["type"] in ("TSNHead", "TSMHead"):  # pool, average the 3 segments (TSM: their scores), fc
            pooled = x.mean((2, 3)).view(2, 3, 6)
            expected = head.fc_cls(pooled).mean(1) if head_cfg["type"] == "TSMHead" else head.fc_cls(pooled.mean(1))
        elif head_cfg["type"] == "I3DHead":
            expected = head.fc_cls(x.mean((2, 3, 4)))
        else:
            expected = head.fc2(torch.relu(head.fc1(x.mean((2, 3, 4)))))
    torch.testing.assert_close(out, expected)


def first_case(config: str):
    return next(c for c in COMPARED
                if any(config in name for name in ARCHITECTURES[c[0]]["model_cfgs"][c[1]]["configs"]))


# (config, input of the backbone, its output shape by MMAction2's strides, num_segs for the head, score shape)
FORWARDS = [
    # 2D: 3 frames of 32×32, stride 32 → 1×1; TSN averages the 3 segments into one video.
    ("tsn/tsn_r50_1x1x3_100e_kinetics400_rgb.py", (3, 3, 32, 32), (3, 2048, 1, 1), 3, (1, 400)),
    # TSM over 8 frames; with temporal pooling layer2..4 see 4 of them, and the head groups 4.
    ("tsm/tsm_r50_1x1x8_50e_kinetics400_rgb.py", (8, 3, 32, 32), (8, 2048, 1, 1), 8, (1, 400)),
    ("tsm/tsm_temporal_pool_r50_1x1x8_50e_kinetics400_rgb.py", (8, 3, 32, 32), (4, 2048, 1, 1), 8, (1, 400)),
    # I3D: T 8 → conv1 stride_t 2 → 4 → pool1 stride_t 2 → 2 → pool2 → 1; H: 32 → 16 → 8 → 8, 4, 2, 1.
    ("i3d/i3d_r50_32x2x1_100e_kinetics400_rgb.py", (1, 3, 8, 32, 32), (1, 2048, 1, 1, 1), None, (1, 400)),
    # SlowOnly keeps T (no temporal stride, no pool2).
    ("slowonly/slowonly_r50_4x16x1_256e_kinetics400_rgb.py", (1, 3, 4, 32, 32), (1, 2048, 4, 1, 1), None, (1, 400)),
    # X3D keeps T; H: 32 → conv1_s 16 → stages 8, 4, 2, 1; conv5 to 432 channels.
    ("x3d/x3d_s_13x6x1_facebook_kinetics400_rgb.py", (1, 3, 4, 32, 32), (1, 432, 4, 1, 1), None, (1, 400)),
]


@pytest.mark.parametrize("config, x_shape, feat_shape, num_segs, score_shape", FORWARDS,
                         ids=[f[0].split("/")[0] + ("_pool" if "pool" in f[0] else "") for f in FORWARDS])
def test_eval_forward_shapes_and_determinism(config, x_shape, feat_shape, num_segs, score_shape):
    cfg = model_cfg(first_case(config))
    model = build_model(cfg).eval()
    x = torch.randn(x_shape)
    with torch.no_grad():
        feat = model.backbone(x)
        args = () if num_segs is None else (num_segs,)
        scores = model.cls_head(feat, *args)
        again = model.cls_head(model.backbone(x), *args)
    assert feat.shape == feat_shape and scores.shape == score_shape
    torch.testing.assert_close(scores, again, rtol=0, atol=0)  # dropout is off in eval mode
