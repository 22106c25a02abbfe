"""mmcv's mixed-precision decorators by their names, on top of `torch.autocast`: `auto_fp16`, `force_fp32` and
`wrap_fp16_model`, so that model code written for mmcv (MMAction2's recognizers decorate `forward` with
`@auto_fp16()`) imports and runs unchanged.

As in mmcv with PyTorch >= 1.6, the decorators act only on a module whose `fp16_enabled` is True (set by
`wrap_fp16_model`); otherwise they call the method as it is. vidrun's own mixed precision is
`Fp16OptimizerHook`, which runs the whole step under autocast and needs neither."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

HALF_TYPES = (torch.float16, torch.bfloat16)


def cast_floats(value: Any, to: torch.dtype, source: tuple[torch.dtype, ...]) -> Any:
    """`value` with every tensor of a dtype in `source` cast to `to`, inside dicts, lists and tuples too."""
    if isinstance(value, torch.Tensor):
        return value.to(to) if value.dtype in source else value
    if isinstance(value, dict):
        return type(value)((k, cast_floats(v, to, source)) for k, v in value.items())
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(cast_floats(v, to, source) for v in value)
    return value


def _autocast(module: nn.Module, enabled: bool) -> torch.autocast:
    """Autocast on the device of `module`'s parameters: float16 on CUDA, bfloat16 on the CPU (as vidrun's
    Fp16OptimizerHook)."""
    parameter = next(module.parameters(), None)
    device = parameter.device.type if parameter is not None else "cpu"
    dtype = torch.float16 if device == "cuda" else torch.bfloat16
    return torch.autocast(device_type=device, dtype=dtype, enabled=enabled)


def _cast_arguments(func: Callable, apply_to: Iterable[str] | None, args: tuple, kwargs: dict,
                    to: torch.dtype, source: tuple[torch.dtype, ...]) -> tuple[list, dict]:
    """The arguments named in `apply_to` (every argument when None), cast."""
    names = inspect.getfullargspec(func).args
    chosen = set(names if apply_to is None else apply_to)
    new_args = [cast_floats(a, to, source) if name in chosen else a for name, a in zip(names, args)]
    new_args += list(args[len(new_args):])
    new_kwargs = {k: cast_floats(v, to, source) if k in chosen else v for k, v in kwargs.items()}
    return new_args, new_kwargs


def auto_fp16(apply_to: Iterable[str] | None = None, out_fp32: bool = False,
              supported_types: tuple = (nn.Module,)) -> Callable:
    """Decorates a module's method: with `fp16_enabled`, it runs under autocast (the inputs are cast op by op;
    mmcv also casts `apply_to` arguments to half first, which autocast makes unnecessary), and with
    `out_fp32` its half-precision outputs become float32."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            if not isinstance(args[0], supported_types):
                raise TypeError(f"@auto_fp16 decorates methods of {supported_types}, not of "
                                f"{type(args[0]).__name__}")
            if not getattr(args[0], "fp16_enabled", False):
                return func(*args, **kwargs)
            with _autocast(args[0], enabled=True):
                output = func(*args, **kwargs)
            return cast_floats(output, torch.float32, HALF_TYPES) if out_fp32 else output

        return run

    return decorate


def force_fp32(apply_to: Iterable[str] | None = None, out_fp16: bool = False) -> Callable:
    """Decorates a module's method: with `fp16_enabled`, its `apply_to` arguments (all when None) in half
    precision become float32 and it runs with autocast off; with `out_fp16` its float32 outputs become
    float16."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            if not isinstance(args[0], nn.Module):
                raise TypeError(f"@force_fp32 decorates methods of nn.Module, not of {type(args[0]).__name__}")
            if not getattr(args[0], "fp16_enabled", False):
                return func(*args, **kwargs)
            new_args, new_kwargs = _cast_arguments(func, apply_to, args, kwargs, torch.float32, HALF_TYPES)
            with _autocast(args[0], enabled=False):
                output = func(*new_args, **new_kwargs)
            return cast_floats(output, torch.float16, (torch.float32,)) if out_fp16 else output

        return run

    return decorate


def wrap_fp16_model(model: nn.Module) -> None:
    """Turn the decorators on: `fp16_enabled = True` on every sub-module that has the attribute. The weights
    stay float32 (autocast computes in half precision where it is safe), as in mmcv with PyTorch >= 1.6."""
    for module in model.modules():
        if hasattr(module, "fp16_enabled"):
            module.fp16_enabled = True
