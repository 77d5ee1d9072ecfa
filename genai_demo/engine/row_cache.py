"""The writing batch's key/value memory: every row in a place of its own, so rows of very different
lengths share one decoding step without costing each other.

Each layer keeps one preallocated buffer, [places, key/value heads, columns, head size]. Row i's keys fill
the first `lengths[i]` columns of place i, and a decoding step writes each row's new key and value into
its next column: nothing is copied or padded when a row joins, writes or leaves (the rest stay where
they are). A row that needs more than SHARED_COLUMNS columns (a pasted essay), or far more than the
shared places hold, gets buffers of its own (its prompt's, when they have room), so the shared buffer
stays as long as ordinary texts need.

`row_attention` (registered with transformers as ATTENTION_NAME) reads each row's own columns only: one
product for the rows of ordinary length, one for each row much longer than them. So a learner's
4,000-token prompt costs the step what its own row reads, and the others' rows read their own few
hundred columns as before.

A `BatchPass` is one forward pass over all of it at once: the writing rows' next tokens and pieces of
prompts being read, laid end to end in one sequence, so the layers' products read the weights once for
both, and each token's attention reads its own row's or its own prompt's keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import torch
import torch.nn.functional as F
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward

from genai_demo.engine.cpu_threads import all_threads, splits_attention

R = TypeVar("R")

ATTENTION_NAME = "genai_rows"
SHARED_COLUMNS = 1024  # a row that needs more columns than this gets buffers of its own
# A row is read apart from the others when it is longer than this many times the others' typical length (and
# at least OUTLIER_MIN columns longer): reading everyone up to its length would cost more than a product of its own.
OUTLIER_FACTOR = 2
OUTLIER_MIN = 64


class PromptCache:
    """One text's keys and values while it is read piece by piece, in buffers with room for `room` tokens:
    each piece writes its keys after the ones before it (nothing is copied, as concatenating would). A row
    with buffers of its own may go on writing in them."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.length = 0  # tokens read so far
        self.lent = False  # whether a row of the batch writes on in these buffers (`RowCache.add`)
        self.keys: list[torch.Tensor] = []  # per layer: [1, heads, room, head size]
        self.values: list[torch.Tensor] = []

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, layer_idx: int,
               *args: Any, **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """Called by each attention layer with a chunk's keys and values: store them after the text's."""
        if layer_idx == len(self.keys):
            self.keys.append(_buffer(key_states, 1, self.room))
            self.values.append(_buffer(value_states, 1, self.room))
        end = self.length + key_states.shape[2]
        self.keys[layer_idx][:, :, self.length:end] = key_states
        self.values[layer_idx][:, :, self.length:end] = value_states
        return self.keys[layer_idx][:, :, :end], self.values[layer_idx][:, :, :end]

    def attend(self, module: Any, query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
               scaling: float | None = None, **kwargs: Any) -> torch.Tensor:
        """The chunk's attention output, [1, chunk, heads, head size]: each token reads the text up to itself.
        Grouped key/value heads are read as they are, not repeated (the same numbers, half the memory traffic)."""
        chunk, read = query.shape[2], keys.shape[2]
        mask = None
        if read > chunk:  # after earlier chunks: token i reads every earlier token and the chunk up to itself
            positions = torch.arange(read, device=query.device)
            mask = positions[None, :] <= (read - chunk + torch.arange(chunk, device=query.device))[:, None]
        with all_threads(splits_attention(query, read)):
            out = F.scaled_dot_product_attention(query, keys, values, attn_mask=mask,
                                                 is_causal=mask is None and chunk > 1, scale=scaling,
                                                 enable_gqa=query.shape[1] != keys.shape[1])
        return out.transpose(1, 2).contiguous()

    def advance(self, count: int) -> None:
        """After a chunk's forward pass: its tokens are read."""
        self.length += count


class RowCache(Generic[R]):
    """The keys and values of the batch's rows, in batch order: rows in shared places first, then rows
    with buffers of their own. `rows` is that order; a decoding step feeds the rows in it."""

    def __init__(self) -> None:
        self.rows: list[R] = []
        self.lengths: list[int] = []  # per row: tokens whose keys are stored
        self._shared_keys: list[torch.Tensor] = []  # per layer: [places, heads, columns, head size]
        self._shared_values: list[torch.Tensor] = []
        self._shared = 0  # rows in shared places: rows[:_shared]
        self._own: list[tuple[list[torch.Tensor], list[torch.Tensor]]] = []  # per row after them: keys, values
        self._plan: _StepPlan | None = None

    @property
    def shared_columns(self) -> int:
        """How many tokens each shared place holds room for (0 while there are none)."""
        return self._shared_keys[0].shape[2] if self._shared_keys else 0

    # --- rows join and leave -------------------------------------------------------------------------

    def add(self, rows: Sequence[R], prompt: PromptCache, columns: Sequence[int]) -> None:
        """Add rows that all start from the same read prompt, each with room for `columns[i]` tokens in all
        (prompt and new tokens)."""
        keys = [k[:, :, :prompt.length] for k in prompt.keys]
        values = [v[:, :, :prompt.length] for v in prompt.values]
        length = keys[0].shape[2]
        for row, room in zip(rows, columns):
            if room <= SHARED_COLUMNS and not self._far_wider(room):
                self._make_room(keys, values, self._shared + 1, room)
                for layer, (k, v) in enumerate(zip(keys, values)):
                    self._shared_keys[layer][self._shared, :, :length] = k[0]
                    self._shared_values[layer][self._shared, :, :length] = v[0]
                self.rows.insert(self._shared, row)
                self.lengths.insert(self._shared, length)
                self._shared += 1
            else:
                self._own.append(self._own_buffers(prompt, keys, values, room))
                self.rows.append(row)
                self.lengths.append(length)

    def _far_wider(self, room: int) -> bool:
        """Whether a row needs far more columns than the shared places hold: it gets buffers of its own, rather
        than widening every place (its attention is read apart from the others' anyway)."""
        width = self.shared_columns
        return self._shared > 0 and room > max(OUTLIER_FACTOR * width, width + OUTLIER_MIN)

    @staticmethod
    def _own_buffers(prompt: PromptCache, keys: list[torch.Tensor], values: list[torch.Tensor],
                     room: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Buffers of a row's own: the prompt's, if they have the room and no other row has them yet (nothing is
        copied), else a copy."""
        if not prompt.lent and prompt.room >= room:
            prompt.lent = True
            return prompt.keys, prompt.values
        own_keys = [_buffer(k, 1, room) for k in keys]
        own_values = [_buffer(v, 1, room) for v in values]
        for layer, (k, v) in enumerate(zip(keys, values)):
            own_keys[layer][:, :, :k.shape[2]] = k
            own_values[layer][:, :, :v.shape[2]] = v
        return own_keys, own_values

    def drop(self, leaving: Sequence[R]) -> None:
        """Let rows leave: the last shared row moves into a leaving row's place (its own columns only)."""
        for row in leaving:
            index = self.rows.index(row)
            if index >= self._shared:
                del self._own[index - self._shared]
            else:
                last = self._shared - 1
                if index != last:
                    kept = self.lengths[last]
                    for buffer in self._shared_keys + self._shared_values:
                        buffer[index, :, :kept] = buffer[last, :, :kept]
                    self.rows[index], self.lengths[index] = self.rows[last], self.lengths[last]
                    index = last
                self._shared -= 1
            del self.rows[index], self.lengths[index]
        if not self._shared:
            self._shared_keys, self._shared_values = [], []  # an empty batch gives its memory back

    def _make_room(self, keys: list[torch.Tensor], values: list[torch.Tensor], places: int, columns: int) -> None:
        """Grow the shared buffers (twice the places, the columns asked for) when a joining row needs it."""
        if self._shared_keys and places <= self._shared_keys[0].shape[0] and columns <= self._shared_keys[0].shape[2]:
            return
        first = self._shared_keys[0] if self._shared_keys else None
        old_places, old_columns = (first.shape[0], first.shape[2]) if first is not None else (0, 0)
        new_places = old_places if places <= old_places else max(places, 2 * old_places)
        new_columns = max(columns, old_columns)
        for buffers, models in ((self._shared_keys, keys), (self._shared_values, values)):
            for layer, model in enumerate(models):
                grown = _buffer(model, new_places, new_columns, zeroed=True)
                if layer < len(buffers):
                    grown[:self._shared, :, :old_columns] = buffers[layer][:self._shared]
                    buffers[layer] = grown
                else:
                    buffers.append(grown)

    # --- a decoding step -------------------------------------------------------------------------------

    def begin_step(self) -> None:
        """Before a decoding step (one new token per row): where each row's new key goes, and what each row reads."""
        self._plan = _StepPlan(self.lengths[:self._shared], self.lengths[self._shared:],
                               self._shared_keys[0].device if self._shared_keys else torch.device("cpu"))

    def end_step(self, wrote: bool = True) -> None:
        """After the step's forward pass: every row holds one more token (none, if the pass failed)."""
        if wrote:
            self.lengths = [length + 1 for length in self.lengths]
        self._plan = None

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, layer_idx: int,
               *args: Any, **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """Called by each attention layer with the step's new keys and values ([rows, heads, 1, head size]):
        store them in each row's next column. Returns the shared rows' buffers; `attend` reads the rest."""
        plan = self._plan
        assert plan is not None, "begin_step() comes before a forward pass over the cache"
        shared = self._shared
        if shared:
            self._shared_keys[layer_idx][plan.places, :, plan.columns] = key_states[:shared, :, 0]
            self._shared_values[layer_idx][plan.places, :, plan.columns] = value_states[:shared, :, 0]
        for offset, (keys, values) in enumerate(self._own):
            column = plan.own_lengths[offset]
            keys[layer_idx][:, :, column] = key_states[shared + offset, :, 0]
            values[layer_idx][:, :, column] = value_states[shared + offset, :, 0]
        if not shared:
            return key_states, value_states
        return self._shared_keys[layer_idx], self._shared_values[layer_idx]

    def attend(self, module: Any, query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
               **kwargs: Any) -> torch.Tensor:
        """The step's attention output, [rows, 1, heads, head size]: every row reads its own columns."""
        plan = self._plan
        assert plan is not None
        layer, shared = module.layer_idx, self._shared
        out = query.new_empty(query.shape[0], 1, query.shape[1], query.shape[3])
        if shared:
            read = plan.common_columns
            out[:shared] = _sdpa(module, query[:shared], keys[:shared, :, :read], values[:shared, :, :read],
                                 plan.common_mask, **kwargs)
            for index in plan.outliers:
                columns = plan.shared_lengths[index] + 1
                out[index] = _sdpa(module, query[index:index + 1], keys[index:index + 1, :, :columns],
                                   values[index:index + 1, :, :columns], None, **kwargs)[0]
        for offset, (own_keys, own_values) in enumerate(self._own):
            index, columns = shared + offset, plan.own_lengths[offset] + 1
            out[index] = _sdpa(module, query[index:index + 1], own_keys[layer][:, :, :columns],
                               own_values[layer][:, :, :columns], None, **kwargs)[0]
        return out


class BatchPass:
    """The caches of one forward pass whose tokens are laid end to end ([1, tokens]): first one new token for
    each of `rows`'s rows (their decoding step), then `pieces`, each some tokens of a prompt being read into
    its PromptCache. Transformers' layers see one cache; each part's keys go to, and are read from, its own."""

    def __init__(self, rows: RowCache[Any] | None, pieces: Sequence[tuple[PromptCache, int]]) -> None:
        self.rows = rows
        self.row_count = len(rows.rows) if rows is not None else 0
        self.pieces = list(pieces)
        self._parts: list[tuple[torch.Tensor, torch.Tensor]] = []  # the current layer's keys and values, per part
        if rows is not None:
            rows.begin_step()

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, layer_idx: int,
               *args: Any, **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """Store each part's new keys and values in its own cache; `attend` reads them back."""
        self._parts = []
        count = self.row_count
        if self.rows is not None:
            self._parts.append(self.rows.update(_one_per_row(key_states, count), _one_per_row(value_states, count),
                                                layer_idx))
        for cache, length in self.pieces:
            self._parts.append(cache.update(key_states[:, :, count:count + length],
                                            value_states[:, :, count:count + length], layer_idx))
            count += length
        return key_states, value_states

    def attend(self, module: Any, query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
               **kwargs: Any) -> torch.Tensor:
        """The attention output of every token of the pass, [1, tokens, heads, head size]."""
        parts = iter(self._parts)
        outputs, count = [], self.row_count
        if self.rows is not None:
            row_keys, row_values = next(parts)
            out = self.rows.attend(module, _one_per_row(query, count), row_keys, row_values, **kwargs)
            outputs.append(out.transpose(0, 1))  # [rows, 1, heads, size] -> [1, rows, heads, size]
        for (cache, length), (piece_keys, piece_values) in zip(self.pieces, parts):
            outputs.append(cache.attend(module, query[:, :, count:count + length], piece_keys, piece_values,
                                        **kwargs))
            count += length
        return outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=1)

    def finish(self, wrote: bool = True) -> None:
        """After the forward pass: the rows and the prompts hold their new tokens (none, if it failed)."""
        if self.rows is not None:
            self.rows.end_step(wrote)
        if wrote:
            for cache, length in self.pieces:
                cache.advance(length)

    # What transformers' layers may ask of a cache (positions are always given).
    def get_seq_length(self, layer_idx: int = 0) -> int:
        return 0


def _one_per_row(states: torch.Tensor, rows: int) -> torch.Tensor:
    """The first `rows` tokens of a pass's [1, heads, tokens, size] states as [rows, heads, 1, size]."""
    return states[0, :, :rows].transpose(0, 1).unsqueeze(2)


class _StepPlan:
    """One step's bookkeeping, the same for every layer: computed once per step, not once per layer."""

    def __init__(self, shared_lengths: list[int], own_lengths: list[int], device: torch.device) -> None:
        self.shared_lengths, self.own_lengths = shared_lengths, own_lengths
        self.places = torch.arange(len(shared_lengths), device=device)
        self.columns = torch.tensor(shared_lengths, dtype=torch.long, device=device)
        typical = sorted(shared_lengths)[len(shared_lengths) // 2] if shared_lengths else 0
        limit = max(OUTLIER_FACTOR * typical, typical + OUTLIER_MIN)
        self.outliers = [i for i, length in enumerate(shared_lengths) if length > limit]
        self.common_columns = 1 + max((length for i, length in enumerate(shared_lengths) if i not in self.outliers),
                                      default=0)
        positions = torch.arange(self.common_columns, device=device)
        self.common_mask = (positions[None, :] <= self.columns[:, None])[:, None, None, :]  # [rows, 1, 1, columns]


def attends_whole_text(config: Any) -> bool:
    """Whether every layer of a model attends to the whole text (no sliding window), as these caches assume."""
    layer_types = getattr(config, "layer_types", None) or []
    windowed = getattr(config, "sliding_window", None) and getattr(config, "use_sliding_window", True)
    return not windowed and all(layer == "full_attention" for layer in layer_types)


def _buffer(model: torch.Tensor, places: int, columns: int, zeroed: bool = False) -> torch.Tensor:
    """Room for keys or values like `model`'s. A row's own buffer is read only where it was written, so it is left
    as it comes; shared places are zeroed, since the columns a shorter row has not written are read under a mask
    (and a masked column's weight, 0, times a NaN left in memory would be NaN)."""
    shape = (places, model.shape[1], columns, model.shape[3])
    return model.new_zeros(shape) if zeroed else model.new_empty(shape)


def _sdpa(module: Any, query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor | None,
          **kwargs: Any) -> torch.Tensor:
    with all_threads(splits_attention(query, keys.shape[2])):
        return sdpa_attention_forward(module, query, keys, values, mask, **kwargs)[0]


def row_attention(module: Any, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                  attention_mask: torch.Tensor | None,
                  row_cache: BatchPass | None = None, **kwargs: Any) -> tuple[torch.Tensor, None]:
    """Attention for transformers' layers: a forward pass over a `BatchPass` (passed as `row_cache=`) reads what
    it holds for each row and each prompt; any other is PyTorch's scaled dot-product attention, as "sdpa"
    computes it."""
    if row_cache is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)
    return row_cache.attend(module, query, key, value, **kwargs), None


AttentionInterface.register(ATTENTION_NAME, row_attention)
