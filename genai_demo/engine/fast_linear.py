"""A text model's matrix products on oneDNN's CPU kernels: the same float32 weights, read faster.

On a CPU, PyTorch computes an `nn.Linear` with a general matrix product that uses a small part of the
machine for the shapes text generation has (one row per learner, a handful to a few dozen rows per step).
oneDNN's inner-product kernel, shipped inside every x86 PyTorch wheel, reads the same float32 weights
where they are (no copy) and multiplies them 1.5-2.5x faster for those shapes; only the order in which
products are added differs, so numbers move in their last digits (`benchmarks/fast_linear.py` measures
how far on the real SmolLM2 weights, and `python -m genai_demo doctor` prints it).

`use_fast_linear(model)` switches a float32 CPU model's `nn.Linear` layers (and GPT-2's `Conv1D`, whose
weights it stores column by column, same values, so the kernel reads them in its order). Every forward
pass of that model then uses it: the engine's writing and every view, so what is shown is what writes.
With gradients on (fine-tuning), the layers compute PyTorch's way, which autograd knows.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import torch
from torch import nn
from transformers.pytorch_utils import Conv1D

# What the switch does to a model, measured on the real SmolLM2-135M-Instruct weights by
# `python benchmarks/fast_linear.py` (2026-12-07, 2 CPU cores): printed by `doctor` beside the choice.
MEASURED_DISTANCE = ("next-token distributions 0.0000026 apart on average (total variation; 0.0000096 at most), "
                     "the same top token at 354 of 354 positions, the same greedy text for 16 of 16 prompts")


def _onednn_product(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """x @ weight.T + bias with oneDNN (weight: [out, in])."""
    rows = x.reshape(-1, x.shape[-1])
    out = torch.ops.mkldnn._linear_pointwise(rows, weight, bias, "none", [], "")
    return out.reshape(*x.shape[:-1], weight.shape[0])


def _fast(x: torch.Tensor) -> bool:
    return not torch.is_grad_enabled() and x.dtype == torch.float32 and x.device.type == "cpu"


class FastLinear(nn.Linear):
    """`nn.Linear` that computes on oneDNN when no gradient is needed."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not _fast(x):
            return super().forward(x)
        return _onednn_product(x, self.weight, self.bias)


class FastConv1D(Conv1D):
    """GPT-2's `Conv1D` (weight [in, out], stored column by column) that computes on oneDNN when no gradient
    is needed."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not _fast(x):
            return super().forward(x)
        return _onednn_product(x, self.weight.t(), self.bias)


@cache
def onednn_works() -> bool:
    """Whether this PyTorch has oneDNN's product and it gives PyTorch's numbers (checked once, on a small case)."""
    if not torch.backends.mkldnn.is_available() or not hasattr(torch.ops.mkldnn, "_linear_pointwise"):
        return False
    generator = torch.Generator().manual_seed(0)
    x, weight = torch.randn(3, 64, generator=generator), torch.randn(32, 64, generator=generator)
    try:
        with torch.inference_mode():
            return bool(torch.allclose(_onednn_product(x, weight, None), x @ weight.T, rtol=1e-4, atol=1e-4))
    except RuntimeError:
        return False


def wanted_for(device: str, dtype: torch.dtype) -> bool:
    """The fixed rule: float32 text models on a CPU whose PyTorch has a working oneDNN product."""
    return device == "cpu" and dtype == torch.float32 and onednn_works()


def use_fast_linear(model: nn.Module, on: bool = True) -> nn.Module:
    """Switch the model's linear layers to oneDNN's products (`on=False` switches them back). Returns `model`."""
    for module in model.modules():
        if type(module) in (nn.Linear, FastLinear):
            module.__class__ = FastLinear if on else nn.Linear
        elif type(module) in (Conv1D, FastConv1D):
            if on and type(module) is Conv1D:
                _store_by_column(module)
            module.__class__ = FastConv1D if on else Conv1D
    return model


def uses_fast_linear(model: nn.Module) -> bool:
    """Whether any of the model's layers computes on oneDNN."""
    return any(isinstance(module, (FastLinear, FastConv1D)) for module in model.modules())


def _store_by_column(layer: Any) -> None:
    weight = layer.weight
    if not weight.t().is_contiguous():
        weight.data = weight.data.t().contiguous().t()
