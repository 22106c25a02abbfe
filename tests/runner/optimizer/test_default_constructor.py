"""`DefaultOptimizerConstructor`: the groups each paramwise rule makes, their precedence, frozen and shared
parameters, and an SGD step that really uses each group's lr."""
import warnings

import pytest
import torch
from torch import nn

from vidrun.config import ConfigError
from vidrun.runner.optimizer import DefaultOptimizerConstructor, build_optimizer

LR, WD = 0.1, 1e-4
NAMES = ["backbone.conv.weight", "backbone.conv.bias", "backbone.bn.weight", "backbone.bn.bias",
         "backbone.dwconv.weight", "backbone.dwconv.bias", "backbone.gn.weight", "backbone.gn.bias",
         "backbone.layer1.weight", "backbone.layer1.bias", "backbone.layer1_dw.weight", "neck_ln.weight",
         "neck_ln.bias", "head.weight", "head.bias", "frozen.weight", "frozen.bias"]


def groups(optimizer, model):
    """{parameter name: (lr, weight_decay)} for an optimizer with one parameter per group, in group order."""
    names = {id(p): n for n, p in model.named_parameters()}
    assert all(len(g["params"]) == 1 for g in optimizer.param_groups)
    return {names[id(g["params"][0])]: (g["lr"], g["weight_decay"]) for g in optimizer.param_groups}


def build(model, paramwise_cfg, **optimizer):
    cfg = dict(type="SGD", lr=LR, **optimizer, paramwise_cfg=paramwise_cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of these configs should warn
        return groups(build_optimizer(model, cfg), model)


def assert_groups(actual, expected):
    assert list(actual) == list(expected)
    for name, (lr, wd) in expected.items():
        assert actual[name] == (pytest.approx(lr), pytest.approx(wd)), name


def test_without_paramwise_cfg_one_group_of_all_parameters(net):
    optimizer = build_optimizer(net, dict(type="SGD", lr=LR, weight_decay=WD))
    (group,) = optimizer.param_groups
    assert group["params"] == list(net.parameters()) and (group["lr"], group["weight_decay"]) == (LR, WD)


def test_an_empty_paramwise_cfg_is_no_paramwise_cfg(net):
    assert len(build_optimizer(net, dict(type="SGD", lr=LR, paramwise_cfg={})).param_groups) == 1


def test_every_rule_group_by_group(net):
    actual = build(net, dict(bias_lr_mult=2.0, bias_decay_mult=0.5, norm_decay_mult=0.0, dwconv_decay_mult=0.1),
                   weight_decay=WD)
    assert_groups(actual, {
        "backbone.conv.weight": (LR, WD),              # no rule: the optimizer's values
        "backbone.conv.bias": (2 * LR, 0.5 * WD),      # bias_lr_mult, bias_decay_mult
        "backbone.bn.weight": (LR, 0.0),               # norm layer: norm_decay_mult ...
        "backbone.bn.bias": (LR, 0.0),                 # ... for its bias too, and no bias_lr_mult
        "backbone.dwconv.weight": (LR, 0.1 * WD),      # depthwise conv: dwconv_decay_mult
        "backbone.dwconv.bias": (2 * LR, 0.1 * WD),    # its bias: bias_lr_mult, but dwconv's decay
        "backbone.gn.weight": (LR, 0.0), "backbone.gn.bias": (LR, 0.0),
        "backbone.layer1.weight": (LR, WD), "backbone.layer1.bias": (2 * LR, 0.5 * WD),
        "backbone.layer1_dw.weight": (LR, 0.1 * WD),   # a depthwise Conv2d
        "neck_ln.weight": (LR, 0.0), "neck_ln.bias": (LR, 0.0),
        "head.weight": (LR, WD), "head.bias": (2 * LR, 0.5 * WD),
        "frozen.weight": (LR, WD),                     # frozen: its own group, no overrides
        "frozen.bias": (2 * LR, 0.5 * WD),
    })


def test_without_weight_decay_only_lr_rules_apply(net):
    actual = build(net, dict(bias_lr_mult=3.0))
    assert_groups(actual, {name: (3 * LR if name.endswith("bias") and "bn" not in name and "gn" not in name
                                  and "ln" not in name else LR, 0.0) for name in NAMES})


def test_weight_decay_zero_counts_as_set(net):
    actual = build(net, dict(norm_decay_mult=5.0), weight_decay=0.0)
    assert actual["backbone.bn.weight"] == (LR, 0.0)


def test_a_custom_key_overrides_every_other_rule(net):
    actual = build(net, dict(bias_lr_mult=2.0, norm_decay_mult=0.0,
                             custom_keys={"backbone.bn": dict(lr_mult=0.5, decay_mult=3.0), "head": {}}),
                   weight_decay=WD)
    assert actual["backbone.bn.weight"] == (pytest.approx(0.5 * LR), pytest.approx(3 * WD))
    assert actual["backbone.bn.bias"] == (pytest.approx(0.5 * LR), pytest.approx(3 * WD))
    # multipliers default to 1, and no bias_lr_mult follows a custom key
    assert actual["head.bias"] == (LR, WD) and actual["backbone.conv.bias"] == (2 * LR, WD)


def test_a_custom_key_without_weight_decay_sets_only_the_lr(net):
    actual = build(net, dict(custom_keys={"head": dict(lr_mult=0.1)}))
    assert actual["head.weight"] == (pytest.approx(0.1 * LR), 0.0)


def test_the_longest_custom_key_wins_whatever_the_dict_order(net):
    for custom_keys in ({"backbone": dict(lr_mult=0.1), "backbone.layer1": dict(lr_mult=0.5)},
                        {"backbone.layer1": dict(lr_mult=0.5), "backbone": dict(lr_mult=0.1)}):
        actual = build(net, dict(custom_keys=custom_keys))
        assert actual["backbone.layer1.weight"][0] == pytest.approx(0.5 * LR)
        assert actual["backbone.layer1_dw.weight"][0] == pytest.approx(0.5 * LR)  # a key is a substring
        assert actual["backbone.conv.weight"][0] == pytest.approx(0.1 * LR)
        assert actual["head.weight"][0] == LR


def test_a_leading_dot_matches_as_in_mmaction2_where_names_start_with_module(net):
    # MMAction2 builds the optimizer over the model wrapped in MMDataParallel, so TimeSformer's config writes
    # '.backbone.cls_token' for the top-level backbone; 'backbone.layer1' must not match 'xbackbone.layer1'.
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither key is reported as matching nothing
        actual = build(net, dict(custom_keys={".backbone.layer1": dict(decay_mult=0.0), ".head": dict(lr_mult=2.0)}),
                       weight_decay=WD)
    assert actual["backbone.layer1.weight"] == (LR, 0.0)
    assert actual["head.weight"] == (pytest.approx(2 * LR), WD)
    assert actual["backbone.conv.weight"] == (LR, WD)


def test_equal_lengths_break_ties_alphabetically(net):
    # 'backbone.conv.bias' contains both keys, of equal length: 'bias' < 'conv'
    actual = build(net, dict(custom_keys={"conv": dict(lr_mult=0.5), "bias": dict(lr_mult=3.0)}))
    assert actual["backbone.conv.bias"][0] == pytest.approx(3 * LR)
    assert actual["backbone.conv.weight"][0] == pytest.approx(0.5 * LR)


def test_a_frozen_parameter_gets_no_override_even_from_a_custom_key(net):
    actual = build(net, dict(custom_keys={"frozen": dict(lr_mult=10.0, decay_mult=0.0)}), weight_decay=WD)
    assert actual["frozen.weight"] == (LR, WD)
    assert actual["frozen.bias"] == (pytest.approx(10 * LR), 0.0)


def test_the_base_lr_defaults_to_the_optimizers_default(net):
    optimizer = build_optimizer(net, dict(type="Adadelta", paramwise_cfg=dict(bias_lr_mult=2.0)))
    assert groups(optimizer, net)["head.bias"] == (2.0, 0.0)  # Adadelta's lr defaults to 1.0


def test_a_wrapped_model_is_unwrapped(net):
    optimizer = build_optimizer(nn.DataParallel(net), dict(type="SGD", lr=LR, paramwise_cfg=dict(
        custom_keys={"head": dict(lr_mult=2.0)})))
    assert groups(optimizer, net)["head.weight"][0] == pytest.approx(2 * LR)


def test_a_shared_parameter_is_named_in_the_error(tied):
    with pytest.raises(ValueError, match="more than one parameter group"):  # what torch alone says
        torch.optim.SGD([{"params": [p]} for _, _, p in _all_named(tied)], lr=LR)
    with pytest.raises(ConfigError) as error:
        build_optimizer(tied, dict(type="SGD", lr=LR, paramwise_cfg=dict(bias_lr_mult=2.0)))
    assert ("optimizer.paramwise_cfg: parameter 'decoder.weight' is the same tensor as 'embed.weight'"
            in str(error.value))
    assert "optimizer.paramwise_cfg.bypass_duplicate=True" in str(error.value)


def _all_named(model):
    for module_name, module in model.named_modules(remove_duplicate=False):
        for name, param in module.named_parameters(recurse=False):
            yield module_name, name, param


def test_bypass_duplicate_skips_a_shared_parameter_with_a_warning(tied):
    with pytest.warns(UserWarning, match=r"bypass_duplicate: parameter 'decoder.weight' is the same tensor as "
                                         r"'embed.weight'; skipped"):
        optimizer = build_optimizer(tied, dict(type="SGD", lr=LR, paramwise_cfg=dict(
            bypass_duplicate=True, custom_keys={"decoder": dict(lr_mult=3.0)})))
    # the shared weight keeps the settings of its first name, 'embed.weight'
    assert groups(optimizer, tied) == {"embed.weight": (LR, 0.0), "decoder.bias": (pytest.approx(3 * LR), 0.0)}


def test_a_shared_module_and_a_frozen_shared_parameter_are_duplicates_too():
    shared = nn.Linear(2, 2)
    shared.bias.requires_grad_(False)
    model = nn.ModuleDict(dict(a=nn.Sequential(shared), b=nn.Sequential(shared)))
    with pytest.raises(ConfigError) as error:
        build_optimizer(model, dict(type="SGD", lr=LR, paramwise_cfg=dict(bias_lr_mult=2.0)))
    assert len(error.value.problems) == 2 and "'b.0.bias' is the same tensor as 'a.0.bias'" in str(error.value)
    with pytest.warns(UserWarning, match="skipped"):
        optimizer = build_optimizer(model, dict(type="SGD", lr=LR, paramwise_cfg=dict(bypass_duplicate=True)))
    assert [g["params"][0] for g in optimizer.param_groups] == [shared.weight, shared.bias]


def test_without_paramwise_cfg_a_shared_parameter_is_optimized_once(tied):
    (group,) = build_optimizer(tied, dict(type="SGD", lr=LR)).param_groups
    assert len(group["params"]) == 2


def test_a_custom_key_matching_no_parameter_warns_with_a_suggestion(net):
    with pytest.warns(UserWarning) as record:
        build_optimizer(net, dict(type="SGD", lr=LR, paramwise_cfg=dict(
            custom_keys={"backbone.layr1": dict(lr_mult=0.1), "head": {}, "frozen.weight": {}})))
    messages = [str(w.message) for w in record]
    assert len(messages) == 1, "a key that matches only a frozen parameter is not a typo"
    assert messages[0].startswith("optimizer.paramwise_cfg.custom_keys.backbone.layr1: the custom key "
                                  "'backbone.layr1' matches no parameter name")
    assert "(did you mean 'backbone.layer1' or" in messages[0]


def test_add_params_can_be_called_with_a_prefix(net):
    constructor = DefaultOptimizerConstructor(dict(type="SGD", lr=LR),
                                              dict(custom_keys={"net.head": dict(lr_mult=2.0)}))
    params = []
    constructor.add_params(params, net, prefix="net")
    assert len(params) == len(NAMES) and params[13] == {"params": [net.head.weight], "lr": pytest.approx(2 * LR)}


def test_an_sgd_step_uses_each_groups_lr():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 2))
    optimizer = build_optimizer(model, dict(type="SGD", lr=LR, paramwise_cfg=dict(
        bias_lr_mult=0.0, custom_keys={"2.": dict(lr_mult=10.0)})))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    model(torch.randn(5, 3)).square().sum().backward()
    optimizer.step()
    expected_lr = {"0.weight": LR, "0.bias": 0.0, "1.weight": LR, "1.bias": LR, "2.weight": 10 * LR,
                   "2.bias": 10 * LR}
    for name, param in model.named_parameters():
        assert param.grad.abs().sum() > 0
        torch.testing.assert_close(param.detach(), before[name] - expected_lr[name] * param.grad, msg=name)
