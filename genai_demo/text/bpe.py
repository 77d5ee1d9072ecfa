"""Replay byte-pair encoding: the merges that turn a word's bytes into the tokenizer's pieces.

BPE learned an ordered list of merges ("Ġ t", "h e", ...). To encode a word it starts from single
symbols (bytes, for GPT-2) and keeps merging the adjacent pair that was learned earliest, until no
learned pair is left. Here every merge is recorded so a page can show it step by step.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from genai_demo.text.tokens import TokenizerStyle, tokenizer_json, tokenizer_style

MAX_WORD_CHARS = 64


@dataclass(frozen=True)
class MergeStep:
    """One step of BPE on a word: its pieces after the step and the pair merged in it."""

    symbols: tuple[str, ...]  # the word's pieces after this step, in the tokenizer's own spelling
    pair: tuple[str, str] | None  # the pair merged in this step (None for the starting symbols)
    rank: int | None  # its position in the learned merge list (0 = learned first)


@dataclass(frozen=True)
class WordMerges:
    """Every BPE step for one pre-token, from single symbols to the final pieces."""

    word: str  # one pre-token, in the tokenizer's spelling ("Ġdiscount")
    steps: tuple[MergeStep, ...]

    @property
    def pieces(self) -> tuple[str, ...]:
        return self.steps[-1].symbols


def _merge_ranks(merges: list[Any]) -> dict[tuple[str, str], int]:
    ranks: dict[tuple[str, str], int] = {}
    for rank, merge in enumerate(merges):
        left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
        ranks.setdefault((left, right), rank)
    return ranks


_ranks: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], int]] = weakref.WeakKeyDictionary()


def merge_ranks(tokenizer: Any) -> dict[tuple[str, str], int]:
    """The learned merges of a BPE tokenizer, pair -> rank; ValueError for other kinds."""
    ranks = _ranks.get(tokenizer)
    if ranks is None:
        model = tokenizer_json(tokenizer)["model"]
        if model.get("type") != "BPE":
            raise ValueError(f"This tokenizer uses {model.get('type', 'an unknown method')}, not BPE: "
                             "it has no merges to replay.")
        ranks = _merge_ranks(model["merges"])
        _ranks[tokenizer] = ranks
    return ranks


def pre_tokens(tokenizer: Any, text: str) -> list[str]:
    """The chunks the tokenizer cuts text into before BPE (words with their leading space, punctuation)."""
    backend = tokenizer.backend_tokenizer
    if backend.normalizer is not None:
        text = backend.normalizer.normalize_str(text)
    if backend.pre_tokenizer is None:
        return [text] if text else []
    return [chunk for chunk, _ in backend.pre_tokenizer.pre_tokenize_str(text)]


def _start_symbols(word: str, style: TokenizerStyle) -> list[str]:
    symbols = list(word)
    if style.continuing_prefix:
        symbols = symbols[:1] + [style.continuing_prefix + s for s in symbols[1:]]
    if style.end_of_word_suffix and symbols:
        symbols[-1] += style.end_of_word_suffix
    return symbols


def _merge_pair(symbols: list[str], pair: tuple[str, str], prefix: str) -> list[str]:
    merged: list[str] = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            right = symbols[i + 1][len(prefix):] if prefix and symbols[i + 1].startswith(prefix) else symbols[i + 1]
            merged.append(symbols[i] + right)
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return merged


def replay_word(word: str, ranks: dict[tuple[str, str], int], style: TokenizerStyle) -> WordMerges:
    """Merge one pre-token, always taking the adjacent pair learned earliest, and record each step."""
    symbols = _start_symbols(word, style)
    steps = [MergeStep(tuple(symbols), None, None)]
    while len(symbols) > 1:
        candidates = [(ranks[pair], pair) for pair in zip(symbols, symbols[1:]) if pair in ranks]
        if not candidates:
            break
        rank, pair = min(candidates)
        symbols = _merge_pair(symbols, pair, style.continuing_prefix)
        steps.append(MergeStep(tuple(symbols), pair, rank))
    return WordMerges(word, tuple(steps))


def merge_steps(tokenizer: Any, text: str) -> list[WordMerges]:
    """The merge history of every pre-token of a short text (a word or two)."""
    text = text.strip("\n")
    if not text.strip():
        raise ValueError("Type a word to see how BPE builds it.")
    if len(text) > MAX_WORD_CHARS:
        raise ValueError(f"Pick a word or two (up to {MAX_WORD_CHARS} characters): each merge is shown.")
    ranks = merge_ranks(tokenizer)
    style = tokenizer_style(tokenizer)
    return [replay_word(word, ranks, style) for word in pre_tokens(tokenizer, text)]
