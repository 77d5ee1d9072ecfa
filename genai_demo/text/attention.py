"""Looking inside a causal language model: attention maps, the logit lens and input embeddings.

One forward pass of the shared text model, switched to eager attention for that call only (so it
returns its attention weights), gives everything the walk-through page draws. Results are cached per
(model, dtype, token ids), because a Streamlit page reruns on every click while the text stays the same.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from genai_demo.engine.bundles import TextModel

# The walk-through draws one row and column per token: beyond this the maps stop being readable.
WALKTHROUGH_TOKENS = 64
LENS_POSITIONS = 10
LENS_TOP = 5


@dataclass(frozen=True)
class TokenWindow:
    """The token ids the model will read, and whether the learner's text had to be cut to get them."""

    token_ids: list[int]
    total_tokens: int  # before the cut

    @property
    def truncated(self) -> bool:
        return self.total_tokens > len(self.token_ids)


@dataclass(frozen=True)
class Walkthrough:
    """What the model did with one text: per-layer attention, and what each layer would predict next."""

    model_id: str
    token_ids: list[int]
    tokens: list[str]  # each token's text as the tokenizer decodes it (a cut character as its bytes)
    attentions: np.ndarray  # [layers, heads, query, key], float32; each row sums to 1
    lens_positions: list[int]  # positions the logit lens was computed for (the last few tokens)
    lens_top_ids: np.ndarray  # [layers + 1, len(lens_positions), LENS_TOP]
    lens_top_tokens: list[list[list[str]]]  # the same, as text
    lens_top_probs: np.ndarray  # [layers + 1, len(lens_positions), LENS_TOP], float32

    @property
    def n_layers(self) -> int:
        return int(self.attentions.shape[0])

    @property
    def n_heads(self) -> int:
        return int(self.attentions.shape[1])

    def lens_labels(self) -> list[str]:
        """Row names of the logit lens: the embeddings, then every transformer layer."""
        return ["embeddings"] + [f"layer {i + 1}" for i in range(self.n_layers)]

    def final_prediction(self) -> int:
        """The model's own next-token choice after the whole text (the lens's last row, last position)."""
        return int(self.lens_top_ids[-1, -1, 0])


@dataclass(frozen=True)
class EmbeddingView:
    """The first dimensions of each token's learned vector, its position's vector, and their sum."""

    token_vectors: np.ndarray  # [tokens, dims]
    position_vectors: np.ndarray | None  # [tokens, dims]; None for models without a position table
    input_vectors: np.ndarray  # [tokens, dims]: what the first layer receives
    token_norms: np.ndarray  # [tokens] length of the full token vector
    position_norms: np.ndarray | None
    input_norms: np.ndarray
    hidden_size: int


def token_window(lm: "TextModel", text: str, max_tokens: int = WALKTHROUGH_TOKENS) -> TokenWindow:
    """Tokenize `text` and keep its first tokens: at most `max_tokens`, and never more than the window."""
    if max_tokens < 1:
        raise ValueError("The walk-through needs room for at least one token.")
    if not text.strip():
        raise ValueError("Type some text first: there is nothing to look at yet.")
    ids = lm.encode(text)
    keep = min(max_tokens, lm.context_window)
    return TokenWindow(list(ids[:keep]), len(ids))


_cache: OrderedDict[tuple, Walkthrough] = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 8


def walkthrough(lm: "TextModel", token_ids: list[int], lens_positions: int = LENS_POSITIONS) -> Walkthrough:
    """Attention maps of every layer and head plus the logit lens, cached per model and token ids."""
    if not token_ids:
        raise ValueError("Type some text first: there is nothing to look at yet.")
    if len(token_ids) > lm.context_window:
        raise ValueError(f"This model reads at most {lm.context_window} tokens at once.")
    key = (lm.model_id, str(lm.dtype), id(lm.model), tuple(token_ids), lens_positions)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    result = _compute_walkthrough(lm, token_ids, lens_positions)
    with _cache_lock:
        _cache[key] = result
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def _compute_walkthrough(lm: "TextModel", token_ids: list[int], lens_positions: int) -> Walkthrough:
    import torch

    ids = torch.tensor([token_ids], device=lm.device)
    positions = list(range(max(0, len(token_ids) - lens_positions), len(token_ids)))

    def forward(model: Any) -> tuple[Any, Any]:  # run by the model's engine, between its decoding steps
        out = model(ids, output_attentions=True, output_hidden_states=True, logits_to_keep=1)
        if not out.attentions or out.attentions[0] is None:
            raise ValueError(f"{type(model).__name__} cannot return its attention weights.")
        return torch.stack([a[0] for a in out.attentions]).float().cpu(), _logit_lens(model, out.hidden_states,
                                                                                      positions).float().cpu()

    attentions, lens_logits = lm.engine.run(forward, attention="eager")
    probs = torch.softmax(lens_logits, dim=-1)
    top_probs, top_ids = probs.topk(LENS_TOP, dim=-1)
    # A token holding part of a character is shown as its bytes (`<F0 9F>`), as on the tokenizer page.
    top_tokens = [[lm.pieces(row) for row in layer] for layer in top_ids.tolist()]
    tokens = lm.pieces(token_ids)
    return Walkthrough(
        model_id=lm.model_id,
        token_ids=list(token_ids),
        tokens=tokens,
        attentions=attentions.numpy(),
        lens_positions=positions,
        lens_top_ids=top_ids.cpu().numpy(),
        lens_top_tokens=top_tokens,
        lens_top_probs=top_probs.cpu().numpy(),
    )


def _logit_lens(model: Any, hidden_states: tuple, positions: list[int]) -> "Any":
    """Read every layer's hidden state with the model's own final norm and output head.

    Hugging Face returns the embeddings, then each layer's output, with the final norm already applied
    to the last one; the earlier ones get that same norm here, so every row is read the same way.
    """
    import torch

    norm = final_norm(model)
    head = model.get_output_embeddings()
    rows = []
    for index, hidden in enumerate(hidden_states):
        h = hidden[0, positions]
        if index < len(hidden_states) - 1:
            h = norm(h)
        rows.append(head(h))
    return torch.stack(rows)  # [layers + 1, positions, vocab]


def final_norm(model: Any) -> Any:
    """The layer norm a decoder applies before its output head (GPT-2's ln_f, Llama's norm, ...)."""
    base = model.base_model
    for name in ("ln_f", "norm", "final_layer_norm", "final_layernorm"):
        module = getattr(base, name, None)
        if module is not None:
            return module
    raise ValueError(f"No final layer norm found on {type(model).__name__}; the logit lens cannot read it.")


def input_embeddings(lm: "TextModel", token_ids: list[int], dims: int = 16) -> EmbeddingView:
    """Token vectors, position vectors (where the model learns a table of them) and their sum."""
    import torch

    if not token_ids:
        raise ValueError("Type some text first: there is nothing to look at yet.")

    def lookup(model: Any) -> tuple[Any, Any]:  # run by the model's engine, between its decoding steps
        ids = torch.tensor(token_ids, device=lm.device)
        token_full = model.get_input_embeddings()(ids).float()
        position_table = getattr(model.base_model, "wpe", None)
        position_full = None
        if isinstance(position_table, torch.nn.Embedding):
            position_full = position_table(torch.arange(len(token_ids), device=lm.device)).float()
        return token_full, position_full

    token_full, position_full = lm.engine.run(lookup)
    input_full = token_full + position_full if position_full is not None else token_full

    def first(x: "torch.Tensor") -> np.ndarray:
        return x[:, :dims].cpu().numpy()

    def norms(x: "torch.Tensor") -> np.ndarray:
        return x.norm(dim=-1).cpu().numpy()

    return EmbeddingView(
        token_vectors=first(token_full),
        position_vectors=first(position_full) if position_full is not None else None,
        input_vectors=first(input_full),
        token_norms=norms(token_full),
        position_norms=norms(position_full) if position_full is not None else None,
        input_norms=norms(input_full),
        hidden_size=int(token_full.shape[-1]),
    )


def strongest_links(walk: Walkthrough, layer: int, head: int | None, query: int,
                    top: int = 3) -> list[tuple[int, float]]:
    """The tokens that token `query` attends to most in one head (head None: the layer's average of all
    heads): [(key position, weight)], strongest first."""
    if not 0 <= layer < walk.n_layers or not (head is None or 0 <= head < walk.n_heads):
        raise ValueError(f"Pick a layer below {walk.n_layers} and a head below {walk.n_heads}.")
    row = head_weights(walk, layer, head)[query, : query + 1]
    order = np.argsort(-row)[:top]
    return [(int(k), float(row[k])) for k in order]


def head_average(walk: Walkthrough, layer: int) -> np.ndarray:
    """One layer's attention averaged over its heads: a summary map when no single head is chosen."""
    return walk.attentions[layer].mean(axis=0)


def head_weights(walk: Walkthrough, layer: int, head: int | None) -> np.ndarray:
    """One head's attention map [query, key], or with head None the layer's average over its heads."""
    return head_average(walk, layer) if head is None else walk.attentions[layer, head]


def clear_cache() -> None:
    """Forget every cached walk-through."""
    with _cache_lock:
        _cache.clear()
