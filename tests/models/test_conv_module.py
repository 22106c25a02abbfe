"""ConvModule: mmcv 1.x's names (they are state-dict keys), defaults and forward."""
import pytest
import torch
from torch import nn

from vidrun.models.layers import ConvModule


def test_names_and_defaults_are_mmcvs():
    unit = ConvModule(3, 8, 3, padding=1, norm_cfg=dict(type="BN"))
    assert list(unit.state_dict()) == ["conv.weight", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
                                       "bn.num_batches_tracked"]  # bias='auto': no conv bias before a norm
    assert isinstance(unit.activate, nn.ReLU) and unit.activate.inplace  # act_cfg defaults to ReLU, in place
    assert unit.norm is unit.bn and (unit.bn.eps, unit.bn.momentum) == (1e-5, 0.1)
    plain = ConvModule(3, 8, 1)
    assert plain.conv.bias is not None and plain.norm is None and plain.with_activation
    assert not ConvModule(3, 8, 1, act_cfg=None).with_activation


@pytest.mark.parametrize("norm_cfg, name", [(dict(type="GN", num_groups=2), "gn"), (dict(type="LN"), "ln"),
                                            (dict(type="BN3d"), "bn"), (dict(type="SyncBN"), "bn")])
def test_the_norm_is_named_by_its_kind(norm_cfg, name):
    unit = ConvModule(4, 4, 1, norm_cfg=norm_cfg, dims=3 if norm_cfg["type"] == "BN3d" else 2)
    assert unit.norm_name == name and getattr(unit, name) is unit.norm


def test_forward_order_and_switches():
    torch.manual_seed(0)
    unit = ConvModule(3, 4, 3, padding=1, norm_cfg=dict(type="BN"), act_cfg=dict(type="ReLU")).eval()
    x = torch.randn(2, 3, 5, 5)
    with torch.no_grad():
        conv = unit.conv(x)
        torch.testing.assert_close(unit(x), torch.relu(unit.bn(conv)))
        torch.testing.assert_close(unit(x, activate=False), unit.bn(conv))
        torch.testing.assert_close(unit(x, norm=False), torch.relu(conv))
    pre_act = ConvModule(4, 4, 1, norm_cfg=dict(type="BN"), order=("norm", "act", "conv"))
    assert pre_act.norm.num_features == 4  # a norm before the conv has the input's channels


def test_padding_mode_spectral_norm_and_bad_arguments():
    assert ConvModule(3, 4, 3, padding=1, padding_mode="reflect").conv.padding_mode == "reflect"
    assert hasattr(ConvModule(3, 4, 3, with_spectral_norm=True).conv, "weight_orig")
    with pytest.raises(ValueError, match="order"):
        ConvModule(3, 4, 1, order=("conv", "act"))
    with pytest.raises(ValueError, match="norm_cfg: unknown type 'BatchNorm'"):
        ConvModule(3, 4, 1, norm_cfg=dict(type="BatchNorm"))
