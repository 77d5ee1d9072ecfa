"""Text into token pieces, with the ids, the tokenizer's own pieces and the bytes each one stands for.

Works with any Hugging Face fast tokenizer: byte-level BPE (GPT-2, CLIP) and WordPiece (BERT, MiniLM).
Byte-level BPE may cut a character's UTF-8 bytes between tokens; such a piece is shown as its bytes
(`<F0 9F>`), never as the replacement character.
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from genai_demo.config import DATA_DIR
from genai_demo.engine.loader import config_window
from genai_demo.engine.threads import MODEL_BUILDING, tokenizer_lock

EXAMPLES_FILE = DATA_DIR / "tokenizer_examples.json"
_BYTE_FALLBACK = re.compile(r"<0x([0-9A-Fa-f]{2})>")
# Beyond this a tokenizer's model_max_length is a "no limit" placeholder (transformers uses 1e30).
_NO_LIMIT = 1_000_000


@dataclass(frozen=True)
class TokenPiece:
    """One token of a text: its id, what a reader sees, the tokenizer's own piece and its bytes."""

    token_id: int
    text: str  # what a reader sees; bytes of a cut character as "<F0 9F>"
    raw: str  # the tokenizer's own piece: "Ġworld", "##ing", "cat</w>"
    byte_values: bytes  # the UTF-8 bytes this token stands for
    is_special: bool
    start: int = -1  # character offsets into the original text (-1: not known, e.g. special tokens)
    end: int = -1

    @property
    def is_partial_character(self) -> bool:
        """True when the token holds only part of a character's UTF-8 bytes."""
        return not self.is_special and _has_invalid_utf8(self.byte_values)


@dataclass(frozen=True)
class TokenizerStyle:
    """How a tokenizer writes its pieces: byte-level symbols, word-start or word-end markers."""

    kind: str  # "BPE", "WordPiece", "Unigram", ...
    byte_level: bool
    metaspace: bool  # SentencePiece style: "▁" stands for a space
    continuing_prefix: str  # "##" for WordPiece
    end_of_word_suffix: str  # "</w>" for CLIP

    @property
    def name(self) -> str:
        if self.kind == "BPE" and self.byte_level:
            return "byte-level BPE"
        return self.kind


@dataclass(frozen=True)
class TextCounts:
    """A text's characters, words and tokens, and the context window they fill."""

    characters: int
    words: int
    tokens: int
    context_window: int | None

    @property
    def tokens_per_word(self) -> float:
        return self.tokens / self.words if self.words else 0.0

    @property
    def context_share(self) -> float | None:
        """The fraction of the context window the text fills (may exceed 1)."""
        return self.tokens / self.context_window if self.context_window else None


# --- the tokenizer's style --------------------------------------------------------------------


_styles: weakref.WeakKeyDictionary[Any, "TokenizerStyle"] = weakref.WeakKeyDictionary()
def _backend(tokenizer: Any) -> Any:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ValueError("This tokenizer has no fast (Rust) version, so its pieces cannot be inspected here.")
    return backend


def tokenizer_json(tokenizer: Any) -> dict[str, Any]:
    """The fast tokenizer's full definition (model, merges, pre-tokenizer, decoder). Slow: it writes
    out the whole vocabulary, so callers keep what they need from it."""
    return json.loads(_backend(tokenizer).to_str())


def _types_in(component: dict[str, Any] | None) -> set[str]:
    if not component:
        return set()
    types = {component.get("type", "")}
    for key in ("pretokenizers", "decoders", "normalizers"):
        for part in component.get(key) or []:
            types |= _types_in(part)
    return types


def _component(component: Any) -> dict[str, Any] | None:
    """One part of the Rust tokenizer (decoder, pre-tokenizer) as JSON, without the vocabulary."""
    return json.loads(component.__getstate__()) if component is not None else None


def tokenizer_style(tokenizer: Any) -> TokenizerStyle:
    """How this tokenizer marks spaces and word pieces (cached per tokenizer)."""
    style = _styles.get(tokenizer)
    if style is None:
        backend = _backend(tokenizer)
        model = backend.model
        parts = _types_in(_component(backend.decoder)) | _types_in(_component(backend.pre_tokenizer))
        style = TokenizerStyle(
            kind=type(model).__name__,
            byte_level="ByteLevel" in parts,
            metaspace="Metaspace" in parts,
            continuing_prefix=getattr(model, "continuing_subword_prefix", None) or "",
            end_of_word_suffix=getattr(model, "end_of_word_suffix", None) or "",
        )
        _styles[tokenizer] = style
    return style


@lru_cache(maxsize=1)
def byte_decoder() -> dict[str, int]:
    """GPT-2's map from the printable symbols of byte-level pieces back to bytes."""
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    return {symbol: byte for byte, symbol in bytes_to_unicode().items()}


@lru_cache(maxsize=1)
def _byte_encoder() -> dict[int, str]:
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    return bytes_to_unicode()


# --- bytes and honest text --------------------------------------------------------------------


def _has_invalid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def byte_segments(data: bytes) -> list[tuple[str, bool]]:
    """UTF-8 bytes as runs of (text, False) and of cut characters' bytes as ("<F0 9F>", True)."""
    segments: list[tuple[str, bool]] = []
    while data:
        try:
            segments.append((data.decode("utf-8"), False))
            break
        except UnicodeDecodeError as error:
            if error.start:
                segments.append((data[: error.start].decode("utf-8"), False))
            bad_end = error.end
            # Group a run of undecodable bytes into one marker.
            while bad_end < len(data) and not _starts_valid_character(data[bad_end:]):
                bad_end += 1
            segments.append(("<" + " ".join(f"{b:02X}" for b in data[error.start : bad_end]) + ">", True))
            data = data[bad_end:]
    return segments


def readable_bytes(data: bytes) -> str:
    """UTF-8 text, with any bytes that do not form a whole character written as `<F0 9F>`."""
    return "".join(text for text, _ in byte_segments(data))


def _starts_valid_character(data: bytes) -> bool:
    for length in range(1, min(4, len(data)) + 1):
        try:
            data[:length].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


def piece_bytes(raw: str, style: TokenizerStyle) -> bytes:
    """The UTF-8 bytes a tokenizer's own piece stands for, without its word markers."""
    core = raw
    if style.continuing_prefix and core.startswith(style.continuing_prefix):
        core = core[len(style.continuing_prefix):]
    if style.end_of_word_suffix and core.endswith(style.end_of_word_suffix):
        core = core[: -len(style.end_of_word_suffix)]
    if style.byte_level:
        decoder = byte_decoder()
        if core and all(symbol in decoder for symbol in core):
            return bytes(decoder[symbol] for symbol in core)
    fallback = _BYTE_FALLBACK.fullmatch(core)
    if fallback:  # SentencePiece's byte fallback writes one raw byte as "<0xF0>"
        return bytes([int(fallback.group(1), 16)])
    if style.metaspace:
        core = core.replace("▁", " ")
    return core.encode("utf-8")


def byte_level_form(text: str) -> str:
    """How byte-level BPE writes text: " world" -> "Ġworld"."""
    encoder = _byte_encoder()
    return "".join(encoder[b] for b in text.encode("utf-8"))


# --- tokenize -----------------------------------------------------------------------------------


def _special_ids(tokenizer: Any) -> set[int]:
    return set(tokenizer.all_special_ids)


def _piece(token_id: int, raw: str, style: TokenizerStyle, special: bool, start: int = -1, end: int = -1) -> TokenPiece:
    if special:
        return TokenPiece(token_id, raw, raw, raw.encode("utf-8"), True, start, end)
    data = piece_bytes(raw, style)
    return TokenPiece(token_id, readable_bytes(data), raw, data, False, start, end)


def tokenize(tokenizer: Any, text: str, add_special_tokens: bool = False) -> list[TokenPiece]:
    """Split text into token pieces: ids, the tokenizer's own pieces, bytes and character offsets."""
    style = tokenizer_style(tokenizer)
    with tokenizer_lock(tokenizer):
        encoding = tokenizer(text, add_special_tokens=add_special_tokens, return_offsets_mapping=True,
                             truncation=False, verbose=False)
    ids: list[int] = list(encoding["input_ids"])
    offsets = encoding.get("offset_mapping") or [(-1, -1)] * len(ids)
    raws = tokenizer.convert_ids_to_tokens(ids)
    special = _special_ids(tokenizer)
    pieces = []
    for token_id, raw, (start, end) in zip(ids, raws, offsets):
        is_special = token_id in special
        if is_special:
            start, end = -1, -1
        pieces.append(_piece(int(token_id), raw, style, is_special, int(start), int(end)))
    return pieces


def decode(tokenizer: Any, pieces: list[TokenPiece]) -> str:
    """The text of `pieces`, special tokens and spacing kept exactly."""
    with tokenizer_lock(tokenizer):
        return tokenizer.decode([p.token_id for p in pieces], skip_special_tokens=False,
                                clean_up_tokenization_spaces=False)


# --- counts -------------------------------------------------------------------------------------


def count_words(text: str) -> int:
    """The number of runs of characters between spaces."""
    return len(re.findall(r"\S+", text))


def context_window(tokenizer: Any, model_id: str | None = None) -> int | None:
    """The model's context window in tokens, from the tokenizer, else from the model's config (no weights)."""
    length = getattr(tokenizer, "model_max_length", None)
    if isinstance(length, int) and 0 < length < _NO_LIMIT:
        return length
    if model_id:
        return _config_window(model_id)
    return None


@lru_cache(maxsize=16)
def _config_window(model_id: str) -> int | None:
    try:
        with MODEL_BUILDING:  # transformers' lazy import is not thread-safe (engine/threads.py)
            from transformers import AutoConfig

            config = AutoConfig.from_pretrained(model_id, local_files_only=True)
    except Exception:  # noqa: BLE001 - a missing config only means the window is unknown
        return None
    return config_window(config)


def text_counts(text: str, pieces: list[TokenPiece], window: int | None) -> TextCounts:
    """The counts of a text and its tokens (special tokens not counted)."""
    tokens = sum(1 for p in pieces if not p.is_special)
    return TextCounts(characters=len(text), words=count_words(text), tokens=tokens, context_window=window)


def cap_text(text: str, max_chars: int) -> tuple[str, bool]:
    """The text cut to max_chars characters, and whether it was cut."""
    if max_chars < 1:
        raise ValueError("The character limit must be at least 1.")
    if len(text) <= max_chars:
        return text, False
    return text[:max_chars], True


# --- look up ------------------------------------------------------------------------------------


def piece_for_id(tokenizer: Any, token_id: int) -> TokenPiece:
    """The piece behind one id; ValueError for an id outside the vocabulary."""
    size = len(tokenizer)
    if not 0 <= token_id < size:
        raise ValueError(f"Token ids of this tokenizer run from 0 to {size - 1}; {token_id} is not one of them.")
    raw = tokenizer.convert_ids_to_tokens(token_id)
    if raw is None:
        raise ValueError(f"Token id {token_id} has no piece in this tokenizer.")
    return _piece(token_id, raw, tokenizer_style(tokenizer), token_id in _special_ids(tokenizer))


def pieces_for_text(tokenizer: Any, piece: str) -> list[TokenPiece]:
    """Every single vocabulary entry spelled by this piece, written as plain text (" world") or in the
    tokenizer's own spelling ("Ġworld"). CLIP has two "cat"s: "cat</w>" ends a word, "cat" does not.
    Empty when the vocabulary has no such token."""
    if not piece:
        return []
    style = tokenizer_style(tokenizer)
    candidates = [piece]
    if style.byte_level:
        candidates.append(byte_level_form(piece))
    if style.end_of_word_suffix:
        candidates = [c + style.end_of_word_suffix for c in candidates] + candidates
    found: dict[int, TokenPiece] = {}
    special = _special_ids(tokenizer)
    for candidate in candidates:
        token_id = tokenizer.convert_tokens_to_ids(candidate)
        if token_id is None or token_id in found or tokenizer.convert_ids_to_tokens(token_id) != candidate:
            continue  # an unknown piece comes back as the [UNK] id
        found[token_id] = _piece(token_id, candidate, style, token_id in special)
    return list(found.values())


def piece_for_raw(tokenizer: Any, raw: str) -> TokenPiece:
    """A piece written in the tokenizer's own spelling ("Ġdis", "count</w>"), with its id (-1 if none)."""
    token_id = tokenizer.convert_tokens_to_ids(raw)
    known = token_id is not None and token_id != tokenizer.unk_token_id
    return _piece(int(token_id) if known else -1, raw, tokenizer_style(tokenizer), False)


def special_tokens(tokenizer: Any) -> list[TokenPiece]:
    """The tokenizer's special tokens (<|endoftext|>, [CLS], ...), in id order."""
    style = tokenizer_style(tokenizer)
    ids = sorted(_special_ids(tokenizer))
    return [_piece(i, tokenizer.convert_ids_to_tokens(i), style, True) for i in ids]


# --- comparing tokenizers -----------------------------------------------------------------------


def split_points(text: str, pieces: list[TokenPiece]) -> set[int]:
    """Character positions where a token boundary cuts between two non-space characters.

    Boundaries at spaces are shared by every tokenizer, so only these tell tokenizers apart.
    """
    points = set()
    for piece in pieces:
        for position in (piece.start, piece.end):
            if 0 < position < len(text) and not text[position - 1].isspace() and not text[position].isspace():
                points.add(position)
    return points


def differing_points(splits: list[set[int]]) -> set[int]:
    """Split positions that some tokenizers use and others do not."""
    if not splits:
        return set()
    return set.union(*splits) - splits[0].intersection(*splits[1:])


def pieces_at(pieces: list[TokenPiece], points: set[int]) -> set[int]:
    """Indices of pieces that start or end at one of the given positions."""
    return {i for i, p in enumerate(pieces) if p.start in points or p.end in points}


def differing_pieces(text: str, tokenizations: dict[str, list[TokenPiece]]) -> dict[str, set[int]]:
    """For each tokenizer, the indices of its pieces that sit at a cut not every tokenizer makes."""
    splits = {name: split_points(text, pieces) for name, pieces in tokenizations.items()}
    differing = differing_points(list(splits.values()))
    return {name: pieces_at(pieces, differing) for name, pieces in tokenizations.items()}


# --- example texts ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def example_texts() -> dict[str, str]:
    """Texts from the app's lessons (spam email, weather question, other languages, code): name -> text."""
    return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
