import pytest
import torch

from vidrun.config import ConfigError
from vidrun.runner import EpochBasedRunner, Fp16OptimizerHook
from vidrun.runner.default_hooks import with_fp16


def test_cpu_steps_run_in_bfloat16_autocast(toy_model, make_loader, quiet_logger, tmp_path):
    dtypes = []
    toy_model.linear.register_forward_hook(lambda module, inputs, output: dtypes.append(output.dtype))
    before = toy_model.head.weight.detach().clone()
    optimizer = torch.optim.SGD(toy_model.parameters(), lr=0.1)
    runner = EpochBasedRunner(toy_model, optimizer, str(tmp_path), quiet_logger, max_epochs=1)
    runner.register_training_hooks(None, with_fp16(dict(grad_clip=dict(max_norm=10)), dict(loss_scale=512.0)))
    hook = runner.hooks[0]
    assert isinstance(hook, Fp16OptimizerHook) and hook.grad_clip == dict(max_norm=10)
    runner.run([make_loader(size=8)], [("train", 1)])
    assert dtypes == [torch.bfloat16, torch.bfloat16]
    assert toy_model.head.weight.dtype == torch.float32 and not torch.equal(before, toy_model.head.weight)
    assert hook.scaler is None and hook.state_dict() == {}
    assert any("mixed precision: torch.bfloat16 autocast" in line for line in quiet_logger.lines)


def test_loss_scale_forms():
    assert Fp16OptimizerHook(loss_scale="dynamic").scaler_args == {}
    assert Fp16OptimizerHook(loss_scale=512).scaler_args["init_scale"] == 512.0
    assert Fp16OptimizerHook(loss_scale=dict(init_scale=2.0**10)).scaler_args == {"init_scale": 1024.0}
    with pytest.raises(ValueError, match="fp16.loss_scale takes init_scale"):
        Fp16OptimizerHook(loss_scale=dict(scale_window=10))
    with pytest.raises(ValueError, match="must be 'dynamic', a positive number or a dict"):
        Fp16OptimizerHook(loss_scale=-1)


def test_with_fp16_leaves_plain_configs_and_rejects_other_hooks():
    assert with_fp16(dict(grad_clip=None), None) == dict(grad_clip=None)
    assert with_fp16(None, dict(loss_scale="dynamic")) == dict(loss_scale="dynamic", type="Fp16OptimizerHook")
    with pytest.raises(ConfigError, match="fp16 cannot be combined"):
        with_fp16(dict(type="MyOptimizerHook"), dict(loss_scale=512.0))
