"""mmcv's fp16 decorators on top of autocast: off unless `fp16_enabled`, then autocast on (auto_fp16) or off
with float32 inputs (force_fp32); `wrap_fp16_model` turns them on."""
import pytest
import torch
from torch import nn

from vidrun.runner import auto_fp16, force_fp32, wrap_fp16_model


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fp16_enabled = False
        self.fc = nn.Linear(4, 2)

    @auto_fp16(apply_to=("x",))
    def forward(self, x):
        return {"scores": self.fc(x), "loss_input": self.loss(self.fc(x), torch.zeros(len(x), dtype=torch.long))}

    @force_fp32(apply_to=("scores",))
    def loss(self, scores, label):
        assert scores.dtype == torch.float32 and not torch.is_autocast_enabled("cpu")
        return nn.functional.cross_entropy(scores, label)


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = Head()


def test_decorators_do_nothing_until_wrapped():
    model = Outer()
    out = model.head(torch.randn(3, 4))
    assert out["scores"].dtype == torch.float32
    wrap_fp16_model(model)
    assert model.head.fp16_enabled and not hasattr(model, "fp16_enabled")  # only where the attribute is
    out = model.head(torch.randn(3, 4))
    assert out["scores"].dtype == torch.bfloat16  # the CPU's autocast type
    assert out["loss_input"].dtype == torch.float32  # computed in float32 by force_fp32
    assert model.head.fc.weight.dtype == torch.float32


def test_out_fp32_and_out_fp16_and_nested_arguments():
    class Net(nn.Module):
        fp16_enabled = True

        @auto_fp16(out_fp32=True)
        def up(self, x):
            return [x @ x.T, (x.sum(),)]

        @force_fp32(out_fp16=True)
        def down(self, inputs, scale=1):
            assert all(t.dtype == torch.float32 for t in inputs["pair"])
            return inputs["pair"][0] * scale

    net = Net()
    up = net.up(torch.randn(2, 3))
    assert up[0].dtype == torch.float32 and up[1][0].dtype == torch.float32
    half = torch.randn(2).half()
    assert net.down({"pair": (half, half.bfloat16())}, scale=2).dtype == torch.float16


def test_decorating_something_else_is_a_type_error():
    class NotAModule:
        @auto_fp16()
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="@auto_fp16 decorates methods of .*Module.*not of NotAModule"):
        NotAModule().forward(torch.zeros(1))
