"""The optimizer config is checked before anything is built: every problem at once, each with its key path (and
file and line for a loaded config) and, for a misspelt key, the key meant."""
import textwrap

import pytest
from torch import nn

from vidrun import Config
from vidrun.config import ConfigError
from vidrun.runner.optimizer import DefaultOptimizerConstructor, build_optimizer


def load(tmp_path, text):
    path = tmp_path / "config.py"
    path.write_text(textwrap.dedent(text))
    return Config.fromfile(str(path)), str(path)


def problems(cfg, model=None):
    with pytest.raises(ConfigError) as error:
        build_optimizer(model or nn.Linear(2, 2), cfg)
    return error.value.problems


def test_every_unknown_key_is_reported_at_once_with_its_path_line_and_suggestion(tmp_path):
    cfg, path = load(tmp_path, """
        optimizer = dict(
            type='SGD', lr=0.1, momentun=0.9, weight_decay=1e-4,
            paramwise_cfg=dict(
                bias_lr_mul=2.0,
                norm_decay=0.0,
                custom_keys={'backbone': dict(lr_mul=0.1, decay_mult=1.0)}))
    """)
    assert problems(cfg.optimizer) == [
        f"optimizer.momentun ({path}:3): SGD takes no argument 'momentun' (did you mean 'momentum'?); it accepts: "
        "params, lr, momentum, dampening, weight_decay, nesterov, maximize, foreach, differentiable, fused",
        f"optimizer.paramwise_cfg.bias_lr_mul ({path}:5): paramwise_cfg takes no key 'bias_lr_mul' (did you mean "
        "'bias_lr_mult'?); it accepts: bias_decay_mult, bias_lr_mult, bypass_duplicate, custom_keys, "
        "dcn_offset_lr_mult, dwconv_decay_mult, norm_decay_mult",
        f"optimizer.paramwise_cfg.norm_decay ({path}:6): paramwise_cfg takes no key 'norm_decay' (did you mean "
        "'norm_decay_mult'?); it accepts: bias_decay_mult, bias_lr_mult, bypass_duplicate, custom_keys, "
        "dcn_offset_lr_mult, dwconv_decay_mult, norm_decay_mult",
        f"optimizer.paramwise_cfg.custom_keys.backbone.lr_mul ({path}:7): a custom_keys entry takes no key "
        "'lr_mul' (did you mean 'lr_mult'?); it accepts: decay_mult, lr_mult",
    ]


def test_a_plain_dict_is_reported_as_the_optimizer_entry():
    found = problems(dict(type="SGD", lr=0.1, paramwise_cfg=dict(custom_keys={"head": dict(lr=2)})))
    assert found == ["optimizer.paramwise_cfg.custom_keys.head.lr: a custom_keys entry takes no key 'lr'; it "
                     "accepts: decay_mult, lr_mult"]


def test_a_decay_multiplier_without_weight_decay_is_an_error():
    found = problems(dict(type="SGD", lr=0.1, paramwise_cfg=dict(
        bias_decay_mult=0.0, norm_decay_mult=0.0, dwconv_decay_mult=0.0, bias_lr_mult=2.0,
        custom_keys={"head": dict(lr_mult=0.1), "neck": dict(decay_mult=0.0)})))
    assert [p.split(":")[0] for p in found] == [
        "optimizer.paramwise_cfg.bias_decay_mult", "optimizer.paramwise_cfg.norm_decay_mult",
        "optimizer.paramwise_cfg.dwconv_decay_mult", "optimizer.paramwise_cfg.custom_keys.neck.decay_mult"]
    assert all("needs a base weight decay, but optimizer sets no weight_decay; add one" in p for p in found)
    with pytest.raises(ConfigError, match="bias_decay_mult: a decay multiplier needs a base weight decay"):
        DefaultOptimizerConstructor(dict(type="SGD", lr=0.1, weight_decay=None), dict(bias_decay_mult=0.0))


def test_values_of_the_wrong_type():
    found = problems(dict(type="SGD", lr=0.1, weight_decay=1e-4, paramwise_cfg=dict(
        bias_lr_mult="2", norm_decay_mult=True, bypass_duplicate="yes",
        custom_keys={"head": dict(lr_mult=None), "neck": 0.1})))
    assert found == [
        "optimizer.paramwise_cfg.bias_lr_mult: must be a number, not '2'",
        "optimizer.paramwise_cfg.norm_decay_mult: must be a number, not True",
        "optimizer.paramwise_cfg.bypass_duplicate: must be True or False, not 'yes'",
        "optimizer.paramwise_cfg.custom_keys.head.lr_mult: must be a number, not None",
        "optimizer.paramwise_cfg.custom_keys.neck: must be a dict like dict(lr_mult=0.1, decay_mult=1.0), not 0.1",
    ]
    assert problems(dict(type="SGD", lr=0.1, paramwise_cfg=dict(custom_keys=["head"]))) == [
        "optimizer.paramwise_cfg.custom_keys: must be a dict mapping a parameter-name substring to "
        "dict(lr_mult=..., decay_mult=...), not list"]


def test_the_optimizers_missing_and_misplaced_arguments():
    assert problems(dict(lr=0.1)) == ["optimizer: no 'type' given; name an optimizer, e.g. type='SGD'"]
    found = problems(dict(type="SGD", params=[], lr=0.1))
    assert found == ["optimizer.params: the parameters are taken from the model; remove this key (choose groups "
                     "with paramwise_cfg or a custom constructor)"]
    assert problems(dict(type="Adam", paramwise_cfg=[]))[0] == "optimizer.paramwise_cfg: must be a dict, not list ([])"


def test_an_unregistered_type_without_close_names_lists_the_registered_ones():
    (found,) = problems(dict(type="Lion", lr=1e-4))
    assert found.startswith("optimizer.type: 'Lion' is not in OPTIMIZERS; registered: ASGD, Adadelta")
    assert found.endswith("A user optimizer is registered with @OPTIMIZERS.register_module() in a module that "
                          "custom_imports imports")


def test_no_model_is_needed_to_find_the_problems():
    with pytest.raises(ConfigError, match="momentun"):
        DefaultOptimizerConstructor(dict(type="SGD", lr=0.1, momentun=0.9))
