"""Text generation with a causal language model: next-token distributions, batched streaming
generation with per-column sampling knobs, and the probability the model gave each token of a text.

Works with any `TextModel` (GPT-2, a fine-tuned copy, a chat model). The shared model is never
changed, and this module never runs it from the session's thread: writing joins the model's engine
(one continuous batch for every session) and single forward passes run between the engine's steps.
With a `RemoteTextModel` (GENAI_TEXT_SERVER) the writing streams from the serving engine instead, in
the same `GenerationUpdate`s; the views that need the weights raise `ModelUnavailable` saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Sequence

from genai_demo.config import settings
from genai_demo.engine import (
    MAX_SEED,
    ModelUnavailable,
    RemoteTextModel,
    SamplingSettings,
    TextModel,
    entropy_bits,
    filter_logits,
    make_generator,
    penalize_repetition,
    sample_rows,
)
from genai_demo.engine.remote import IGNORED_KNOBS_NOTICE, stream_columns
from genai_demo.text.tokens import byte_decoder

if TYPE_CHECKING:
    import torch

__all__ = [
    "SamplingSettings", "NextTokenDistribution", "GenerationUpdate", "PreparedPrompt", "TokenConfidence",
    "next_token_distribution", "distribution_from_logits", "context_ids", "sample_next_token", "generate",
    "generate_texts", "token_confidences", "prepare_prompt",
    "readable_piece", "decode", "eos_ids", "last_logits", "generate_reply", "missing_numbers",
]

# Room always left for the output when a long prompt is cut (unless fewer new tokens were asked for).
MAX_OUTPUT_RESERVE = 256


@dataclass
class NextTokenDistribution:
    """The model's guess for the token after a text: the top candidates, before and after the knobs."""

    token_ids: list[int]
    pieces: list[str]
    probs: list[float]  # the model's own probabilities (temperature 1, nothing cut)
    adjusted_probs: list[float]  # after temperature / top-k / top-p, renormalised; 0 for cut candidates
    kept: list[bool]
    entropy_bits: float  # of the distribution the knobs leave (what sampling draws from)
    kept_mass: float  # share of the model's probability on the tokens the knobs keep
    prompt_truncated: bool
    model_entropy_bits: float = 0.0  # of the model's own distribution
    kept_count: int = 0  # how many tokens of the whole vocabulary the knobs keep
    context_tokens: int = 0


@dataclass
class PreparedPrompt:
    """A prompt as token ids that fit the model's window, with what was cut or capped on the way."""

    ids: list[int]
    max_new_tokens: list[int]  # per column, after the server limit and the window
    truncated: bool  # the prompt lost tokens (or characters) at its start
    dropped_tokens: int
    capped: bool  # some column asked for more new tokens than allowed
    notices: list[str] = field(default_factory=list)


@dataclass
class GenerationUpdate:
    """What every column of a `generate` call has written so far (or its place in line)."""

    step: int
    texts: list[str]
    token_ids: list[list[int]]
    finished: list[bool]
    prompt: PreparedPrompt
    rows_ahead: int | None = None  # while waiting for room in the engine's batch: rows in line first
    expected_wait_s: float | None = None

    @property
    def done(self) -> bool:
        return all(self.finished)

    @property
    def waiting(self) -> bool:
        return self.rows_ahead is not None


@dataclass
class TokenConfidence:
    piece: str
    token_id: int
    prob: float
    alternatives: list[tuple[str, float]]  # the model's top candidates at that position


# --- pieces ------------------------------------------------------------------------------------


def readable_piece(tokenizer, token_id: int) -> str:  # type: ignore[no-untyped-def]
    """A token as text; a token that holds only part of a character shows its bytes (e.g. `<F0 9F>`)."""
    piece = tokenizer.decode([token_id], clean_up_tokenization_spaces=False)
    if "\ufffd" not in piece:
        return piece
    raw = tokenizer.convert_ids_to_tokens(token_id)
    decoder = byte_decoder()
    if isinstance(raw, str) and raw and all(char in decoder for char in raw):
        data = bytes(decoder[char] for char in raw)
        text = data.decode("utf-8", errors="backslashreplace")
        if "\\x" in text:
            return "<" + " ".join(f"{b:02X}" for b in data) + ">"
        return text
    return str(raw)


# --- prompt preparation -------------------------------------------------------------------------


def _checked_columns(columns: Sequence[SamplingSettings]) -> list[SamplingSettings]:
    columns = list(columns)
    if not columns:
        raise ValueError("Give at least one column of sampling settings.")
    limit = settings().limits.max_columns
    if len(columns) > limit:
        raise ValueError(f"At most {limit} columns can run side by side here, not {len(columns)}.")
    for knobs in columns:
        if not isinstance(knobs, SamplingSettings):
            raise ValueError(f"Each column needs SamplingSettings, not {type(knobs).__name__}.")
        knobs.check()
    return columns


def _encode(lm: TextModel, text: str) -> list[int]:
    with lm.lock:
        return list(lm.tokenizer(text, add_special_tokens=False)["input_ids"])


def prepare_prompt(lm: TextModel, prompt: str, columns: Sequence[SamplingSettings]) -> PreparedPrompt:
    """Tokenize the prompt and apply every limit: characters, the model's window, new tokens per column."""
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("The prompt is empty: type a few words for the model to continue.")
    columns = _checked_columns(columns)
    limits = settings().limits
    notices: list[str] = []
    truncated = False
    if len(prompt) > limits.max_prompt_chars:
        notices.append(f"The prompt had {len(prompt):,} characters; only its last {limits.max_prompt_chars:,} "
                       "were used.")
        prompt = prompt[-limits.max_prompt_chars:]
        truncated = True

    window = lm.context_window
    asked = [min(knobs.max_new_tokens, limits.max_new_tokens, window - 1) for knobs in columns]
    capped = any(a < knobs.max_new_tokens for a, knobs in zip(asked, columns))
    ids = _encode(lm, prompt)
    room = window - min(max(asked), MAX_OUTPUT_RESERVE)
    dropped = max(0, len(ids) - room)
    if dropped:
        ids = ids[dropped:]
        truncated = True
        notices.append(f"The prompt was too long for the model's {window:,}-token window: its first {dropped:,} "
                       f"tokens were cut, the last {len(ids):,} were kept.")
    max_new = [min(a, window - len(ids)) for a in asked]
    if capped or max_new != asked:
        capped = True
        notices.append(f"New tokens were capped at {max(max_new)} so that the prompt and the output fit "
                       f"(server limit {limits.max_new_tokens}, window {window:,}).")
    return PreparedPrompt(ids, max_new, truncated, dropped, capped, notices)


# --- the model ----------------------------------------------------------------------------------


def missing_numbers(lm: TextModel | RemoteTextModel) -> str | None:
    """What a page cannot show because the model writes on a server (None when the weights are here)."""
    if not isinstance(lm, RemoteTextModel):
        return None
    return (f"The text comes from `{lm.model_id}` on a serving engine (GENAI_TEXT_SERVER), which sends back "
            "the words it writes but not the model's scores: the probability of each candidate token, the "
            "model's confidence in each token it wrote and the effect of the knobs on the candidates cannot "
            "be shown here.")


def _needs_weights(lm: TextModel | RemoteTextModel) -> None:
    missing = missing_numbers(lm)
    if missing:
        raise ModelUnavailable("This view needs the model's probabilities", missing,
                               "Unset GENAI_TEXT_SERVER to run the model inside the app, where every number is "
                               "shown; the text pages then write with GENAI_TEXT_MODEL.", lm.model_id)


def last_logits(lm: TextModel, ids: Sequence[int]) -> "torch.Tensor":
    """The model's next-token logits (float32, shape [1, vocab]) after a sequence of token ids.

    One forward pass, run by the model's engine between its decoding steps."""
    import torch

    _needs_weights(lm)
    def forward(model) -> "torch.Tensor":  # type: ignore[no-untyped-def]
        out = model(input_ids=torch.tensor([list(ids)], device=lm.device), use_cache=False, logits_to_keep=1)
        return out.logits[:, -1, :].float().cpu()

    return lm.engine.run(forward)


def _tail_logits(lm: TextModel, ids: list[int], keep: int) -> "torch.Tensor":
    """Logits (float32) at the last `keep` positions of a sequence: each row predicts the token after it.

    Only those positions go through the output layer (a vocabulary-wide row each)."""
    import torch

    _needs_weights(lm)
    def forward(model) -> "torch.Tensor":  # type: ignore[no-untyped-def]
        out = model(input_ids=torch.tensor([ids], device=lm.device), use_cache=False, logits_to_keep=keep)
        return out.logits[0].float().cpu()

    return lm.engine.run(forward)


def eos_ids(lm: TextModel) -> set[int]:
    """The token ids that end a text (a chat model may have several); `generate` stops at any of them."""
    return lm.end_ids


# --- next-token view ----------------------------------------------------------------------------


def context_ids(lm: TextModel, text: str, extra_ids: Sequence[int]) -> tuple[list[int], bool]:
    """Token ids of `text` followed by `extra_ids`, cut from the left to the model's window."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("The text is empty: type a few words to see what the model expects next.")
    limit = settings().limits.max_prompt_chars
    truncated = len(text) > limit
    ids = _encode(lm, text[-limit:]) + [int(i) for i in extra_ids]
    if len(ids) > lm.context_window:
        ids = ids[-lm.context_window:]
        truncated = True
    return ids, truncated


def _next_logits(lm: TextModel, text: str, extra_ids: Sequence[int],
                 sampling: SamplingSettings) -> tuple[list[int], bool, "torch.Tensor"]:
    """The context ids, whether they were cut, and the model's next-token logits after the repetition penalty."""
    import torch

    ids, truncated = context_ids(lm, text, extra_ids)
    logits = last_logits(lm, ids)
    seen = torch.zeros_like(logits, dtype=torch.bool)
    seen[0, ids] = True
    return ids, truncated, penalize_repetition(logits, seen, [sampling.repetition_penalty])


def next_token_distribution(lm: TextModel, text: str, sampling: SamplingSettings | None = None,
                            top: int = 20, extra_ids: Sequence[int] = ()) -> NextTokenDistribution:
    """What the model expects after `text` (and after `extra_ids`, tokens already generated after it):
    its top candidates, and what the sampling knobs leave of them."""
    sampling = sampling or SamplingSettings()
    sampling.check()
    if top < 1:
        raise ValueError(f"top must be at least 1, not {top}.")
    ids, truncated = context_ids(lm, text, extra_ids)
    return distribution_from_logits(lm, ids, truncated, last_logits(lm, ids), sampling, top)


def distribution_from_logits(lm: TextModel, ids: Sequence[int], truncated: bool, logits: "torch.Tensor",
                             sampling: SamplingSettings, top: int = 20) -> NextTokenDistribution:
    """The distribution the knobs leave of the model's logits after `ids` (no model call: a page that keeps
    the logits redraws a knob change without running the model again)."""
    import torch

    sampling.check()
    seen = torch.zeros_like(logits, dtype=torch.bool)
    seen[0, list(ids)] = True
    logits = penalize_repetition(logits, seen, [sampling.repetition_penalty])
    probs = torch.softmax(logits[0], dim=-1)
    adjusted = torch.softmax(filter_logits(logits, [sampling])[0], dim=-1)
    kept_all = adjusted > 0
    top = min(top, probs.shape[0])
    top_probs, top_ids = torch.topk(probs, top)
    token_ids = top_ids.tolist()
    with lm.lock:
        pieces = [readable_piece(lm.tokenizer, i) for i in token_ids]
    return NextTokenDistribution(
        token_ids=token_ids,
        pieces=pieces,
        probs=top_probs.tolist(),
        adjusted_probs=adjusted[top_ids].tolist(),
        kept=kept_all[top_ids].tolist(),
        entropy_bits=entropy_bits(adjusted),
        kept_mass=float(probs[kept_all].sum()),
        prompt_truncated=truncated,
        model_entropy_bits=entropy_bits(probs),
        kept_count=int(kept_all.sum()),
        context_tokens=len(ids),
    )


def sample_next_token(lm: TextModel, text: str, sampling: SamplingSettings, extra_ids: Sequence[int] = ()) -> int:
    """One token drawn after `text` + `extra_ids` with the knobs, as `generate` would draw it.

    The draw is seeded from `sampling.seed` and the number of tokens already chosen, so step mode
    repeats itself for the same seed and the same choices.
    """
    sampling.check()
    _, _, logits = _next_logits(lm, text, extra_ids, sampling)
    generator = make_generator((sampling.seed + len(extra_ids)) % (MAX_SEED + 1))
    return sample_rows(logits, [sampling], [generator])[0]


# --- batched generation -------------------------------------------------------------------------


def generate(lm: TextModel, prompt: str, columns: Sequence[SamplingSettings]) -> Iterator[GenerationUpdate]:
    """Continue `prompt` once per column, streaming every column's text as its tokens arrive.

    The columns join the model's engine, where they decode in one batch with every other session's
    rows. Each column samples with its own knobs and its own random generator (seeded from its seed),
    so its text is the same whether it runs alone, beside other columns, or beside other learners. A
    column stops at an end-of-text token or at its max_new_tokens. While the engine's batch is full
    the updates say how many rows are ahead in line. Closing the iterator early cancels the work.
    Raises ValueError for an empty prompt or absurd settings (before any work is done). On a serving
    engine each column is its own streamed request with its knobs and seed.
    """
    prepared = prepare_prompt(lm, prompt, columns)
    if isinstance(lm, RemoteTextModel):
        sent = decode(lm, prepared.ids) if prepared.truncated else prompt
        return _remote_updates(lm, prepared, list(columns), prompt=sent)
    return _updates(lm, prepared, list(columns))


def generate_reply(lm: TextModel | RemoteTextModel, prompt_text: str, messages: list[dict[str, str]],
                   sampling: SamplingSettings) -> Iterator[GenerationUpdate]:
    """A chat model's reply to `messages`, whose chat template gives `prompt_text`, as it grows.

    Inside the app the model continues `prompt_text`; a serving engine is sent the messages and applies
    the same template (from the same tokenizer files) itself."""
    if not isinstance(lm, RemoteTextModel):
        return generate(lm, prompt_text, [sampling])
    return _remote_updates(lm, prepare_prompt(lm, prompt_text, [sampling]), [sampling], messages=messages)


def _remote_updates(lm: RemoteTextModel, prepared: PreparedPrompt, columns: list[SamplingSettings],
                    prompt: str | None = None,
                    messages: list[dict[str, str]] | None = None) -> Iterator[GenerationUpdate]:
    # The server sends text; the token ids shown beside it are that text in the served model's tokenizer.
    extra_knobs = any(knobs.top_k > 1 or knobs.repetition_penalty != 1.0 for knobs in columns)
    for texts, finished in stream_columns(lm, columns, prepared.max_new_tokens, prompt=prompt, messages=messages):
        if extra_knobs and lm.extra_knobs_refused and IGNORED_KNOBS_NOTICE not in prepared.notices:
            prepared.notices.append(IGNORED_KNOBS_NOTICE)
        token_ids = [_encode(lm, text) if text else [] for text in texts]
        yield GenerationUpdate(max(len(ids) for ids in token_ids), texts, token_ids, finished, prepared)


def _updates(lm: TextModel, prepared: PreparedPrompt, columns: list[SamplingSettings]) -> Iterator[GenerationUpdate]:
    # Submitted on the first read: an iterator nobody reads leaves no work behind.
    job = lm.engine.submit(prepared.ids, columns, prepared.max_new_tokens)
    eos = eos_ids(lm)
    for state in job.updates():
        with lm.lock:
            texts = [_decode_text(lm, ids, eos) for ids in state.tokens]
        step = max(len(ids) for ids in state.tokens)
        yield GenerationUpdate(step, texts, state.tokens, state.finished, prepared, state.rows_ahead,
                               state.expected_wait_s)


def _decode_text(lm: TextModel, ids: list[int], eos: set[int]) -> str:
    return lm.tokenizer.decode([i for i in ids if i not in eos], clean_up_tokenization_spaces=False)


def decode(lm: TextModel, ids: Sequence[int]) -> str:
    """Token ids back to text, under the model's lock (the tokenizer is shared by every session)."""
    with lm.lock:
        return lm.tokenizer.decode(list(ids), clean_up_tokenization_spaces=False)


def generate_texts(lm: TextModel, prompt: str, columns: Sequence[SamplingSettings]) -> list[str]:
    """The finished continuation of `prompt` for each column (blocking form of `generate`)."""
    last = None
    for last in generate(lm, prompt, columns):
        pass
    assert last is not None
    return last.texts


# --- confidence view ----------------------------------------------------------------------------


def token_confidences(lm: TextModel, prompt: str, continuation: str, top: int = 5,
                      continuation_ids: Sequence[int] | None = None) -> list[TokenConfidence]:
    """The probability the model (temperature 1) gave each token of `continuation`, coming after `prompt`.

    Pass `continuation_ids` (e.g. from a `GenerationUpdate`) to score exactly the tokens that were generated.
    """
    import torch

    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("The prompt is empty: there is nothing for the continuation to follow.")
    if continuation_ids is None:
        continuation_ids = _encode(lm, continuation)
    continuation_ids = list(continuation_ids)
    if not continuation_ids:
        return []
    prompt_ids = _encode(lm, prompt[-settings().limits.max_prompt_chars:])
    window = lm.context_window
    continuation_ids = continuation_ids[:window - 1]
    prompt_ids = prompt_ids[-(window - len(continuation_ids)):]
    # From the prompt's last position (it predicts the first continuation token) to the one before the end.
    logits = _tail_logits(lm, prompt_ids + continuation_ids, len(continuation_ids) + 1)
    probs = torch.softmax(logits[:-1], dim=-1)
    top_probs, top_ids = torch.topk(probs, min(top, probs.shape[-1]), dim=-1)
    result = []
    with lm.lock:
        for position, token in enumerate(continuation_ids):
            alternatives = [(readable_piece(lm.tokenizer, int(i)), float(p))
                            for i, p in zip(top_ids[position], top_probs[position])]
            result.append(TokenConfidence(readable_piece(lm.tokenizer, token), token,
                                          float(probs[position, token]), alternatives))
    return result
