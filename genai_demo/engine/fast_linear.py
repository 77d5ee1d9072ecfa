"""A text model's matrix products on oneDNN's CPU kernels: the same float32 numbers, read faster.

On a CPU, PyTorch computes an `nn.Linear` with a general matrix product that uses a small part of the
machine for the shapes text generation has (one row per learner, a handful to a few dozen rows per step).
oneDNN's inner-product kernel, shipped inside every x86 PyTorch wheel, multiplies the same float32 weights
1.5-2.5x faster for those shapes; only the order in which products are added differs, so numbers move in
their last digits (`benchmarks/fast_linear.py` measures how far on the real SmolLM2 weights, and
`python -m genai_demo doctor` prints it).

`use_fast_linear(model)` switches a float32 CPU model's `nn.Linear` layers (and GPT-2's `Conv1D`). Every
forward pass of that model then uses them: the engine's writing and every view, so what is shown is what
writes. With gradients on (fine-tuning), the layers compute PyTorch's way, which autograd knows.

Each weight is stored in the order oneDNN reads it (`PACKED_FOR_ROWS`): given a plain weight, the kernel
rearranges it on every call before a product of several rows, which costs more than the product itself.
The packed copy replaces the plain one, so the model holds its weights once; the layer's `weight` keeps its
shape and dtype (what transformers and PEFT ask of it) but no numbers, and a product with gradients reads
the packed copy back in plain order. A weight two modules share (a token table tied to the output layer)
stays plain, since the embedding reads it row by row; a plain Conv1D weight is stored column by column
(same values), the order the kernel reads.

Layers that read the same input one after the other (a Llama layer's query, key and value, and its gate and up
products: `SIBLINGS`) keep one packed weight, theirs stacked: the first of them to read an input makes one
product for all, and the others take their part of it. Each output number is the same row-by-column product as
before, so the numbers do not change; a step of SmolLM2 makes 120 products instead of 210.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from transformers.pytorch_utils import Conv1D

from genai_demo.engine.budget import release_pages, return_free_memory
from genai_demo.engine.cpu_threads import all_threads

# What the switch does to a model, measured on the real SmolLM2-135M-Instruct weights by
# `python benchmarks/fast_linear.py` (2026-12-07, 2 CPU cores): printed by `doctor` beside the choice.
MEASURED_DISTANCE = ("next-token distributions 0.0000026 apart on average (total variation; 0.0000096 at most), "
                     "the same top token at 354 of 354 positions, the same greedy text for 16 of 16 prompts")
# oneDNN lays a packed weight out for products of about this many rows; measured on 2 cores, the same layout is
# 1.2-1.3x faster for a whole model's step of 4 to 16 rows than a plain weight, and as fast for one row.
PACKED_FOR_ROWS = 16
# Children of one module that its forward calls on the same input, one after the other (Llama, SmolLM2, Mistral,
# Qwen2): one product for all of them. Each product costs a one-row step about 50 us of waking torch's other CPU
# thread, whatever its size; measured on 2 cores, a one-row step of the real SmolLM2 took 57-73 ms instead of
# 70-89 ms (1.09-1.33x), its logits the same bit for bit.
SIBLINGS = (("q_proj", "k_proj", "v_proj"), ("gate_proj", "up_proj"))


def _onednn_product(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """x @ weight.T + bias with oneDNN (weight: [out, in])."""
    rows = x.reshape(-1, x.shape[-1])
    with all_threads():
        out = torch.ops.mkldnn._linear_pointwise(rows, weight, bias, "none", [], "")
    return out.reshape(*x.shape[:-1], weight.shape[0])


def _fast(x: torch.Tensor) -> bool:
    return not torch.is_grad_enabled() and x.dtype == torch.float32 and x.device.type == "cpu"


class _Packed:
    """What both switched layers share: the weight the product reads (packed, or plain where it is shared)."""

    packed_weight: torch.Tensor | None
    siblings: _Siblings | None = None  # set where the packed weight is stacked with its siblings'
    weight_rows: slice = slice(None)  # this layer's rows of the packed weight

    def _kernel_weight(self) -> torch.Tensor:
        """The weight as oneDNN reads it, [out, in]."""
        if self.packed_weight is not None:
            return self.packed_weight
        return self._plain_weight()

    def _dense_weight(self) -> torch.Tensor:
        """The weight's numbers in plain order, [out, in], for a product autograd follows."""
        if self.packed_weight is not None:
            return self.packed_weight.to_dense()[self.weight_rows]
        return self._plain_weight()

    def _plain_weight(self) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not _fast(x):
            return F.linear(x, self._dense_weight(), self.bias)  # type: ignore[attr-defined]  # both layers have one
        if self.siblings is not None:
            return self.siblings.output(x, self)
        return _onednn_product(x, self._kernel_weight(), self.bias)  # type: ignore[attr-defined]


class _Siblings:
    """Layers that read the same input and hold one packed weight, theirs stacked ([all their outputs, in]). The
    first of them to read an input computes every sibling's output; each sibling then takes its own, once. An
    input is known by identity (each thread keeps its own): the models' forward passes hand the siblings one
    tensor and change none of it between their calls."""

    def __init__(self, layers: Sequence[_Packed]) -> None:
        self.layers = layers
        self._last = threading.local()  # per thread: the input read last, and the outputs not yet taken

    def output(self, x: torch.Tensor, layer: _Packed) -> torch.Tensor:
        """`layer`'s output for `x`: taken from the product its sibling made for this input, else made now."""
        last = getattr(self._last, "outputs", None)
        if last is None or last[0] is not x or layer not in last[1]:
            biases = [sibling.bias for sibling in self.layers]  # type: ignore[attr-defined]  # both layers have one
            bias = None if biases[0] is None else torch.cat(biases)
            product = _onednn_product(x, self.layers[0]._kernel_weight(), bias)
            last = (x, {sibling: product[..., sibling.weight_rows].contiguous() for sibling in self.layers})
            self._last.outputs = last
        out = last[1].pop(layer)
        if not last[1]:
            self._last.outputs = None  # every sibling has its output: let the input go
        return out

    def __deepcopy__(self, memo: dict[int, Any]) -> _Siblings:
        """A model's copy (`model_copy`) gets siblings of its own, the copied layers."""
        twin = memo[id(self)] = _Siblings([])
        twin.layers = copy.deepcopy(self.layers, memo)  # they hold the twin: it is in `memo` first
        return twin


class FastLinear(_Packed, nn.Linear):
    """`nn.Linear` that computes on oneDNN when no gradient is needed."""

    def _plain_weight(self) -> torch.Tensor:
        return self.weight


class FastConv1D(_Packed, Conv1D):
    """GPT-2's `Conv1D` (weight [in, out], stored column by column) that computes on oneDNN when no gradient
    is needed."""

    def _plain_weight(self) -> torch.Tensor:
        return self.weight.t()


_SWITCHED: dict[type, type] = {nn.Linear: FastLinear, Conv1D: FastConv1D}
_PLAIN = {fast: plain for plain, fast in _SWITCHED.items()}


@cache
def onednn_works() -> bool:
    """Whether this PyTorch has oneDNN's product and it gives PyTorch's numbers (checked once, on a small case)."""
    if not torch.backends.mkldnn.is_available() or not hasattr(torch.ops.mkldnn, "_linear_pointwise"):
        return False
    return _gives_pytorchs_numbers(lambda weight: weight, rows=3)


def _gives_pytorchs_numbers(as_read: Callable[[torch.Tensor], torch.Tensor], rows: int) -> bool:
    """Whether oneDNN's product of a small random case, its weight handed over as `as_read(weight)`, gives what
    PyTorch's does (False if the kernel or the preparation fails)."""
    generator = torch.Generator().manual_seed(0)
    x, weight = torch.randn(rows, 64, generator=generator), torch.randn(32, 64, generator=generator)
    try:
        with torch.inference_mode():
            return bool(torch.allclose(_onednn_product(x, as_read(weight), None), x @ weight.T, rtol=1e-4, atol=1e-4))
    except RuntimeError:
        return False


def wanted_for(device: str, dtype: torch.dtype) -> bool:
    """The fixed rule: float32 text models on a CPU whose PyTorch has a working oneDNN product."""
    return device == "cpu" and dtype == torch.float32 and onednn_works()


def use_fast_linear(model: nn.Module, on: bool = True) -> nn.Module:
    """Switch the model's linear layers to oneDNN's products, each weight packed in its order unless another
    module shares it (`on=False` switches them back, weights plain again). Returns `model`."""
    shared, packing = _shared_weights(model), packs_weights()
    for module in model.modules():  # a parent before its children: siblings are packed together, first
        if on and packing:
            for names in SIBLINGS:
                _pack_siblings(module, names, shared)
        if on and type(module) in _SWITCHED:
            module.__class__ = _SWITCHED[type(module)]
            _pack(module, packed=packing and id(module.weight) not in shared)
        elif not on and type(module) in _PLAIN:
            _unpack(module)
            module.__class__ = _PLAIN[type(module)]
    if on and packing:
        _into_own_memory(model)
    return_free_memory()  # the plain weights the packed ones replaced
    return model


def uses_fast_linear(model: nn.Module) -> bool:
    """Whether any of the model's layers computes on oneDNN."""
    return any(isinstance(module, (FastLinear, FastConv1D)) for module in model.modules())


@cache
def packs_weights() -> bool:
    """Whether this PyTorch packs a weight for oneDNN, giving the plain weight's numbers (checked once)."""
    if not hasattr(torch.ops.mkldnn, "_reorder_linear_weight"):
        return False

    def packed_unchanged(weight: torch.Tensor) -> torch.Tensor:
        packed = _packed_copy(weight)
        if not torch.equal(packed.to_dense(), weight):
            raise RuntimeError("packing changed the weight's numbers")
        return packed

    return _gives_pytorchs_numbers(packed_unchanged, rows=4)


def _packed_copy(weight: torch.Tensor) -> torch.Tensor:
    """`weight` ([out, in]) in the order oneDNN's kernel reads it."""
    return torch.ops.mkldnn._reorder_linear_weight(weight.detach(), PACKED_FOR_ROWS)


def _shared_weights(model: nn.Module) -> set[int]:
    """The ids of the parameters that more than one module holds (a tied token table)."""
    seen: set[int] = set()
    shared: set[int] = set()
    for _, parameter in model.named_parameters(remove_duplicate=False):
        (shared if id(parameter) in seen else seen).add(id(parameter))
    return shared


def _pack(layer: Any, packed: bool) -> None:
    """Give a switched layer its packed weight (or none), the plain numbers giving way to a stand-in of the same
    shape and dtype that holds no memory."""
    if not packed:
        layer.register_buffer("packed_weight", None, persistent=False)
        if isinstance(layer, Conv1D):
            _store_by_column(layer)
        return
    with torch.no_grad():
        layer.register_buffer("packed_weight", _packed_copy(layer._plain_weight()), persistent=False)
    _stand_in(layer)


def _pack_siblings(parent: nn.Module, names: tuple[str, ...], shared: set[int]) -> None:
    """Switch `parent`'s plain linear children called `names` and give them one packed weight, theirs stacked, if
    they all have their own weights, the same input width, and all or none a bias."""
    layers = [layer for layer in (getattr(parent, name, None) for name in names) if type(layer) is nn.Linear]
    if len(layers) < len(names) or any(id(layer.weight) in shared for layer in layers):
        return
    if len({layer.in_features for layer in layers}) > 1 or len({layer.bias is None for layer in layers}) > 1:
        return
    with torch.no_grad():
        weight = _packed_copy(torch.cat([layer.weight for layer in layers]))
    for layer in layers:
        layer.__class__ = FastLinear
    fast = [layer for layer in layers if isinstance(layer, FastLinear)]
    siblings = _Siblings(fast)
    start = 0
    for layer in fast:
        layer.register_buffer("packed_weight", weight, persistent=False)
        layer.siblings, layer.weight_rows = siblings, slice(start, start + layer.out_features)
        start += layer.out_features
        _stand_in(layer)


def _stand_in(layer: Any) -> None:
    """The plain numbers of a packed layer's weight give way to a stand-in of the same shape and dtype that holds
    no memory; the pages they were in leave the process."""
    with torch.no_grad():
        weight = layer.weight
        plain = weight.data
        weight.data = torch.zeros((), dtype=weight.dtype, device=weight.device).expand(weight.shape)
        release_pages(plain)  # its numbers live on in the packed copy


def _into_own_memory(model: nn.Module) -> None:
    """Copy the tensors that stay plain (the token table, norms, biases) out of the weights file the loader mapped:
    with the packed weights in memory of their own, nothing else holds the mapping, and it closes. Measured on
    2 cores: the process then holds 0.93 GB after loading the full-size GPT-2 and writing, instead of 1.25 GB,
    and as much for SmolLM2 as before packing (0.94 GB)."""
    with torch.no_grad():
        for tensor in [*model.parameters(), *model.buffers()]:
            if not tensor.is_mkldnn and not _is_stand_in(tensor):
                tensor.data = tensor.data.clone()


def _is_stand_in(tensor: torch.Tensor) -> bool:
    return tensor.dim() > 0 and all(stride == 0 for stride in tensor.stride())


def _unpack(layer: Any) -> None:
    """The packed weight's numbers back in the layer's own `weight` (a layer that had one)."""
    packed = getattr(layer, "packed_weight", None)
    if packed is not None:
        dense = packed.to_dense()
        if layer.siblings is not None:  # its own rows of the stacked weight, in memory of its own
            dense = dense[layer.weight_rows].clone()
        layer.weight.data = dense if isinstance(layer, nn.Linear) else dense.t()
    if hasattr(layer, "packed_weight"):
        del layer.packed_weight
    layer.__dict__.pop("siblings", None)
    layer.__dict__.pop("weight_rows", None)


def _store_by_column(layer: Any) -> None:
    """A plain Conv1D weight's numbers stored column by column, the order oneDNN reads them in."""
    weight = layer.weight
    if not weight.t().is_contiguous():
        weight.data = weight.data.t().contiguous().t()
