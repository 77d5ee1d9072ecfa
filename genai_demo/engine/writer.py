"""What the text pages write with: one contract for the model inside the app and one on a serving engine.

A `TextWriter` tokenizes, decodes and streams its columns' text itself, taking its tokenizer's lock inside
each method, so pages and topic modules never hold a lock by hand. `has_weights` says whether the model's
numbers (attention, training) are here, `has_scores` whether its next-token probabilities can be shown (a
serving engine may send its top candidates); `describe()` says where and how it runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence, Set
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from genai_demo.engine.sampling import SamplingSettings


@dataclass
class ScoredToken:
    """A token a model wrote or could write next, with its log-probability (the model's own: temperature 1,
    nothing cut) and the most likely candidates at that position, most likely first."""

    token_id: int
    logprob: float
    candidates: list[tuple[int, float]]  # (token id, log-probability)


@dataclass
class Written:
    """Every column's text so far, or the job's place in line while it waits for room in a batch."""

    texts: list[str]
    token_ids: list[list[int]]
    finished: list[bool]
    rows_ahead: int | None = None
    expected_wait_s: float | None = None
    notices: tuple[str, ...] = ()  # e.g. knobs the server ignored
    prompt_read: int | None = None  # while its prompt is read, piece by piece: its tokens read so far
    scores: list[list[ScoredToken]] | None = None  # per column, when a server sent each token's score with it


@runtime_checkable
class TextWriter(Protocol):
    """A language model that writes text, local or served; every method is safe to call from any session."""

    model_id: str
    context_window: int
    tokenizer: Any  # for its chat template and the token views (which lock it themselves)

    @property
    def end_ids(self) -> Set[int]:
        """The token ids that end a text."""

    @property
    def has_weights(self) -> bool:
        """Whether the weights are here (attention, training, any position's probabilities)."""

    @property
    def has_scores(self) -> bool:
        """Whether the next-token probabilities can be shown: the weights are here, or the server sends them."""

    def describe(self) -> str:
        """Where and how the model runs, as a phrase for a caption ("in float32 on CPU")."""

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, no special tokens added."""

    def decode(self, ids: Sequence[int]) -> str:
        """Token ids back to text, exactly as written (no clean-up of spaces)."""

    def pieces(self, ids: Sequence[int]) -> list[str]:
        """Each token as readable text; a token that holds part of a character shows its bytes (`<F0 9F>`)."""

    def generate(self, prompt_ids: Sequence[int], columns: Sequence["SamplingSettings"],
                 max_new_tokens: Sequence[int], prompt: str | None = None,
                 messages: list[dict[str, str]] | None = None, owner: str | None = None) -> Iterator[Written]:
        """Every column's text as it is written after `prompt_ids`, one column per SamplingSettings.

        A server is sent `messages` (it applies the chat template) or else `prompt` (the text of
        `prompt_ids`); a local model reads `prompt_ids`. `owner` (a learner) gets a fair share of a local
        model's batch. Closing the iterator stops the work."""


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    return {symbol: byte for byte, symbol in bytes_to_unicode().items()}


def _readable_piece(tokenizer: Any, token_id: int) -> str:
    """A token as text; a token that holds only part of a character shows its bytes (e.g. `<F0 9F>`)."""
    piece = tokenizer.decode([token_id], clean_up_tokenization_spaces=False)
    if "\ufffd" not in piece:
        return piece
    raw = tokenizer.convert_ids_to_tokens(token_id)
    decoder = _byte_decoder()
    if isinstance(raw, str) and raw and all(char in decoder for char in raw):
        data = bytes(decoder[char] for char in raw)
        text = data.decode("utf-8", errors="backslashreplace")
        if "\\x" in text:
            return "<" + " ".join(f"{b:02X}" for b in data) + ">"
        return text
    return str(raw)


class SharedTokenizer:
    """encode / decode / pieces for a bundle whose `tokenizer` every session shares, under its `lock`."""

    tokenizer: Any
    lock: threading.RLock

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, no special tokens added."""
        with self.lock:
            return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def decode(self, ids: Sequence[int]) -> str:
        """Token ids back to text, exactly as written (no clean-up of spaces)."""
        with self.lock:
            return self.tokenizer.decode(list(ids), clean_up_tokenization_spaces=False)

    def pieces(self, ids: Sequence[int]) -> list[str]:
        """Each token as readable text; a token that holds part of a character shows its bytes."""
        with self.lock:
            return [_readable_piece(self.tokenizer, int(i)) for i in ids]
