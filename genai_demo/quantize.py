"""An 8-bit copy of a language model's weights for writing text faster on a CPU.

Writing text multiplies one new token's vector by every weight matrix at each step, so the speed is
set by how many bytes of weights the CPU reads. Stored as 8-bit integers with one scale per output
row, the weights are a quarter of their float32 size. Only the weights are rounded; each token's
vector is not, so a row of a batch never depends on the other rows (side-by-side columns stay
independent). The copy is used only to write text: every number the app shows (probabilities,
attention, confidences) comes from the full-precision model.
"""

from __future__ import annotations

import copy

import torch
from transformers.pytorch_utils import Conv1D

from genai_demo.models import clearly_faster

FASTER_BY = 1.3  # use the copy only when it is measured at least this much faster


class Int8Linear(torch.nn.Module):
    """A linear layer whose weights are int8 rows times a float scale (weight-only quantization)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None) -> None:
        super().__init__()
        scales = weight.float().abs().amax(dim=1).clamp(min=1e-8) / 127  # one scale per output row
        self.register_buffer("weight", torch.round(weight.float() / scales[:, None]).to(torch.int8).contiguous())
        self.register_buffer("scales", scales.to(torch.bfloat16))
        self.register_buffer("bias", None if bias is None else bias.detach().to(torch.bfloat16))
        self.out_features, self.in_features = weight.shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features).to(torch.bfloat16)
        out = torch.ops.aten._weight_int8pack_mm(flat, self.weight, self.scales)
        if self.bias is not None:
            out = out + self.bias
        return out.reshape(*x.shape[:-1], self.out_features)


def int8_decoder(model: torch.nn.Module) -> torch.nn.Module:
    """A bfloat16 copy of `model` whose linear layers (and output layer) hold int8 weights."""
    decoder = copy.deepcopy(model).float().eval()  # round from full-precision weights
    for module in list(decoder.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, Conv1D):  # GPT-2 keeps its projections transposed, as [in, out]
                setattr(module, name, Int8Linear(child.weight.t(), child.bias))
            elif isinstance(child, torch.nn.Linear):  # the output layer too, even when tied to the embeddings
                setattr(module, name, Int8Linear(child.weight, child.bias))
    decoder.config.tie_word_embeddings = False  # the output layer now has its own (int8) matrix
    decoder.to(torch.bfloat16)  # the rest (embeddings, layer norms); int8 buffers keep their type
    decoder.requires_grad_(False)
    return decoder


def int8_is_faster(hidden_size: int) -> bool:
    """Whether one token's matrix-vector product at this model's width is clearly faster with int8 weights."""
    weight = torch.randn(4 * hidden_size, hidden_size)
    try:
        quantized = Int8Linear(weight, None)
        x = torch.randn(1, hidden_size)
        with torch.inference_mode():
            quantized(x)
    except (RuntimeError, NotImplementedError, AttributeError):  # no int8 kernel on this platform
        return False
    return clearly_faster(lambda: torch.nn.functional.linear(x, weight), lambda: quantized(x),
                          repeats=20, rounds=5, by=FASTER_BY)
