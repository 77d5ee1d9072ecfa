"""The transformer of a loaded causal language model, named and measured.

`architecture` reads the model's real config and weights: embeddings, N blocks of attention + MLP on a
residual stream, the unembedding, with the parameters each part holds. `attention_reach` runs one
forward pass over a long text and measures how far back each layer's attention looks, in tokens.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from genai_demo.engine.bundles import TextModel

REACH_TOKENS = 512  # long enough to see far reach, small enough for a CPU forward pass with attention maps
# Distance bins in tokens: 0 is the token itself, then doubling ranges (1, 2-3, 4-7, ...).
DISTANCE_EDGES = (0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)

_ATTENTION_NAMES = ("attn", "self_attn", "attention", "self_attention")
_MLP_NAMES = ("mlp", "feed_forward", "ffn")


@dataclass(frozen=True)
class Architecture:
    """A decoder-only transformer as built: its sizes from the config, its parameters per part."""

    model_type: str
    n_layers: int
    n_heads: int
    n_kv_heads: int  # fewer than n_heads when heads share keys and values (grouped-query attention)
    hidden_size: int  # the width of the residual stream
    mlp_size: int  # the MLP's inner width
    vocab_size: int
    context_window: int
    positions: str  # "learned table" (GPT-2) or "rotary" (Llama-style: rotations inside attention)
    tied_unembedding: bool  # the output head reuses the token-embedding table
    token_embedding_params: int
    position_embedding_params: int
    attention_params_per_block: int
    mlp_params_per_block: int
    norm_params: int  # every layer norm, in the blocks and the final one
    unembedding_params: int  # 0 when tied
    total_params: int

    @property
    def head_size(self) -> int:
        return self.hidden_size // max(self.n_heads, 1)

    def parts(self) -> list[tuple[str, int]]:
        """(part, parameters) in reading order; the parts add up to total_params."""
        rows = [("token embeddings", self.token_embedding_params)]
        if self.position_embedding_params:
            rows.append(("position embeddings", self.position_embedding_params))
        rows += [(f"attention (all {self.n_layers} blocks)", self.attention_params_per_block * self.n_layers),
                 (f"MLP (all {self.n_layers} blocks)", self.mlp_params_per_block * self.n_layers),
                 ("layer norms", self.norm_params)]
        if self.unembedding_params:
            rows.append(("unembedding (output head)", self.unembedding_params))
        return rows


def _config_value(config: Any, *names: str, default: int = 0) -> int:
    for name in names:
        value = getattr(config, name, None)
        if value:
            return int(value)
    return default


def block_list(model: Any) -> Any:
    """The model's list of transformer blocks (GPT-2: transformer.h, Llama: model.layers)."""
    import torch

    count = _config_value(model.config, "n_layer", "num_hidden_layers")
    for module in model.modules():
        if isinstance(module, torch.nn.ModuleList) and len(module) == count:
            return module
    raise ValueError(f"No list of {count} transformer blocks found on {type(model).__name__}.")


def _block_part_sizes(block: Any) -> tuple[int, int, int]:
    """(attention, MLP, norm) parameters of one block, by the name of each direct child."""
    attention = mlp = norms = 0
    for name, child in block.named_children():
        size = sum(p.numel() for p in child.parameters())
        if name in _ATTENTION_NAMES:
            attention += size
        elif name in _MLP_NAMES:
            mlp += size
        else:
            norms += size
    return attention, mlp, norms


_architectures: dict[tuple[str, int], Architecture] = {}
_architectures_lock = threading.Lock()


def architecture(lm: "TextModel") -> Architecture:
    """The loaded model's architecture, read from its config and counted from its weights (cached)."""
    key = (lm.model_id, id(lm.model))
    with _architectures_lock:
        if key in _architectures:
            return _architectures[key]
    result = read_architecture(lm.model, lm.context_window)
    with _architectures_lock:
        _architectures[key] = result
    return result


def read_architecture(model: Any, context_window: int) -> Architecture:
    """A model's architecture from its config and weights, read afresh (`architecture` keeps one per model)."""
    config = model.config
    hidden = _config_value(config, "hidden_size", "n_embd", "d_model")
    heads = _config_value(config, "num_attention_heads", "n_head")
    blocks = block_list(model)
    attention, mlp, block_norms = _block_part_sizes(blocks[0])
    if any(_block_part_sizes(block) != (attention, mlp, block_norms) for block in blocks):
        raise ValueError("The blocks of this model differ in size; this view assumes identical blocks.")
    token_table = model.get_input_embeddings().weight
    head = model.get_output_embeddings()
    tied = head is not None and head.weight.data_ptr() == token_table.data_ptr()
    position_table = getattr(model.base_model, "wpe", None)
    position_params = position_table.weight.numel() if position_table is not None else 0
    unembedding = 0 if tied or head is None else sum(p.numel() for p in head.parameters())
    total = sum(p.numel() for p in model.parameters())  # a tied table is counted once
    counted = token_table.numel() + position_params + len(blocks) * (attention + mlp + block_norms) + unembedding
    return Architecture(
        model_type=str(getattr(config, "model_type", "")),
        n_layers=len(blocks),
        n_heads=heads,
        n_kv_heads=_config_value(config, "num_key_value_heads", default=heads),
        hidden_size=hidden,
        mlp_size=_config_value(config, "intermediate_size", "n_inner", "ffn_dim", default=4 * hidden),
        vocab_size=int(token_table.shape[0]),
        context_window=context_window,
        positions="learned table" if position_table is not None else "rotary",
        tied_unembedding=tied,
        token_embedding_params=token_table.numel(),
        position_embedding_params=position_params,
        attention_params_per_block=attention,
        mlp_params_per_block=mlp,
        norm_params=len(blocks) * block_norms + total - counted,  # the final norm is what is left over
        unembedding_params=unembedding,
        total_params=total,
    )


@dataclass(frozen=True)
class AttentionReach:
    """How far back each layer's attention looks over one text, averaged over its heads and tokens.

    `weight[layer, d]` is the share of the layer's attention that goes d tokens back (d = 0: the token
    itself); each layer's row sums to 1. `first_token[layer, d]` is the part of it that lands on the
    very first token, which many heads use as a resting place when nothing else is relevant.
    """

    n_tokens: int
    weight: np.ndarray  # [layers, n_tokens]
    first_token: np.ndarray  # [layers, n_tokens]

    @property
    def n_layers(self) -> int:
        return int(self.weight.shape[0])

    def by_distance(self, skip_first_token: bool = False) -> np.ndarray:
        """[layers, n_tokens] shares per distance; without the first token, renormalised to sum to 1."""
        weight = self.weight - self.first_token if skip_first_token else self.weight
        return weight / np.maximum(weight.sum(axis=1, keepdims=True), 1e-12)

    def histogram(self, skip_first_token: bool = False) -> tuple[list[str], np.ndarray]:
        """(bin labels, [layers, bins]): the shares summed over doubling distance ranges."""
        shares = self.by_distance(skip_first_token)
        labels, columns = [], []
        for low, high in zip(DISTANCE_EDGES, DISTANCE_EDGES[1:]):
            if low >= self.n_tokens:
                break
            labels.append(_bin_label(low, min(high, self.n_tokens) - 1))
            columns.append(shares[:, low:high].sum(axis=1))
        return labels, np.stack(columns, axis=1)

    def mean_distance(self, skip_first_token: bool = False) -> np.ndarray:
        """[layers]: the average distance, in tokens, that each layer's attention reaches back."""
        return self.by_distance(skip_first_token) @ np.arange(self.n_tokens, dtype=np.float64)

    def share_beyond(self, distance: float, skip_first_token: bool = False) -> np.ndarray:
        """[layers]: the share of each layer's attention that goes more than `distance` tokens back."""
        shares = self.by_distance(skip_first_token)
        return shares[:, int(np.floor(distance)) + 1:].sum(axis=1)


def _bin_label(low: int, high: int) -> str:
    if low == 0:
        return "0 (itself)"
    return str(low) if high == low else f"{low}–{high}"


_reach_cache: OrderedDict[tuple, AttentionReach] = OrderedDict()
_reach_lock = threading.Lock()
_REACH_CACHE_SIZE = 8


def attention_reach(lm: "TextModel", token_ids: list[int]) -> AttentionReach:
    """Run the model once over `token_ids` and measure how far back every layer attends (cached).

    The shared model's engine switches it to eager attention (the only kind that returns the weights) for
    this one pass."""
    if len(token_ids) < 2:
        raise ValueError("The text needs at least two tokens for attention to reach back at all.")
    if len(token_ids) > lm.context_window:
        raise ValueError(f"This model reads at most {lm.context_window} tokens at once.")
    key = (lm.model_id, str(lm.dtype), id(lm.model), tuple(token_ids))
    with _reach_lock:
        if key in _reach_cache:
            _reach_cache.move_to_end(key)
            return _reach_cache[key]
    result = _measure_reach(lm, token_ids)
    with _reach_lock:
        _reach_cache[key] = result
        while len(_reach_cache) > _REACH_CACHE_SIZE:
            _reach_cache.popitem(last=False)
    return result


def _measure_reach(lm: "TextModel", token_ids: list[int]) -> AttentionReach:
    import torch

    n = len(token_ids)
    ids = torch.tensor([token_ids], device=lm.device)
    query, key = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    past = (key <= query).to(lm.device)
    distance = (query - key).to(lm.device)[past]

    def forward(model: Any) -> tuple[Any, Any]:  # run by the model's engine, between its decoding steps
        out = model(ids, output_attentions=True, use_cache=False, logits_to_keep=1)
        if not out.attentions or out.attentions[0] is None:
            raise ValueError("This model does not return attention weights.")
        weight, first = [], []
        for layer in out.attentions:
            averaged = layer[0].float().mean(dim=0)  # [query, key], averaged over heads
            weight.append(torch.bincount(distance, weights=averaged[past], minlength=n) / n)
            first.append(averaged[:, 0] / n)  # query q reaches the first token from q tokens away
        return torch.stack(weight).cpu(), torch.stack(first).cpu()

    weight, first = lm.engine.run(forward, attention="eager")
    return AttentionReach(n, weight.double().numpy(), first.double().numpy())


def clear_cache() -> None:
    """Forget every cached attention reach and architecture."""
    with _reach_lock:
        _reach_cache.clear()
    with _architectures_lock:
        _architectures.clear()
