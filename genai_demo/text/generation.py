"""Text generation with a causal language model: next-token distributions, batched streaming
generation with per-column sampling knobs, and the probability the model gave each token of a text.

Writing works with any `TextWriter` (GPT-2, a fine-tuned copy, a chat model, or a model on a serving
engine, GENAI_TEXT_SERVER), streamed in the same `GenerationUpdate`s. The shared model is never changed,
and this module never runs it from the session's thread: writing joins the model's engine (one continuous
batch for every session) and single forward passes run between the engine's steps. The next-token view,
step mode and the confidence of written tokens also work on a serving engine that sends its scores (its
top candidates' log-probabilities: `has_scores`); the views that need the weights themselves take a
`TextModel`, and a writer without what a view needs raises `ModelUnavailable` saying so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence, Set
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from genai_demo.config import settings
from genai_demo.engine.bundles import TextModel
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.remote import RemoteTextModel
from genai_demo.engine.sampling import (
    GENERATOR_SEEDS,
    SamplingSettings,
    entropy_bits,
    filter_logits,
    make_generator,
    penalize_repetition,
    sample_rows,
)
from genai_demo.engine.writer import ScoredToken, TextWriter

if TYPE_CHECKING:
    import torch

__all__ = [
    "SamplingSettings", "NextTokenDistribution", "NextTokenScores", "GenerationUpdate", "PreparedPrompt",
    "TokenConfidence", "next_token_distribution", "next_token_scores", "distribution_from_scores", "context_ids",
    "sample_next_token", "generate", "generate_texts", "token_confidences", "written_confidences",
    "prepare_prompt", "decode", "eos_ids", "last_logits", "generate_reply", "missing_numbers",
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
    listed: int | None = None  # a server's scores: how many candidates it listed (None: the whole vocabulary)
    listed_mass: float = 1.0  # the share of the model's probability on those candidates
    rest_kept: bool = False  # a server's scores: the knobs keep some of the tokens it did not list


@dataclass
class NextTokenScores:
    """What a model gives for the token after a context: its logits over the whole vocabulary (a model here),
    or a server's log-probabilities of the candidates it listed, with -inf for every token it did not list."""

    logits: "torch.Tensor"  # shape [1, vocab]
    listed: int | None = None


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
    prompt_read: int | None = None  # while its prompt is read, piece by piece: its tokens read so far
    scores: list[list[ScoredToken]] | None = None  # per column, when a server scored each token as it wrote

    @property
    def done(self) -> bool:
        return all(self.finished)

    @property
    def waiting(self) -> bool:
        """Not writing yet: in line for room in the batch, or its long prompt still being read."""
        return self.rows_ahead is not None or self.prompt_read is not None


@dataclass
class TokenConfidence:
    """One written token, the probability the model gave it, and its top alternatives."""

    piece: str
    token_id: int
    prob: float
    alternatives: list[tuple[str, float]]  # the model's top candidates at that position


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


def prepare_prompt(lm: TextWriter, prompt: str, columns: Sequence[SamplingSettings]) -> PreparedPrompt:
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
    ids = lm.encode(prompt)
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


def missing_numbers(lm: TextWriter) -> str | None:
    """What a page cannot show because the model writes on a server that sends no scores (None otherwise)."""
    if lm.has_scores:
        return None
    return (f"The text comes from `{lm.model_id}` on a serving engine (GENAI_TEXT_SERVER), which sends back "
            "the words it writes but not the model's scores: the probability of each candidate token, the "
            "model's confidence in each token it wrote and the effect of the knobs on the candidates cannot "
            "be shown here. llama.cpp's server and vLLM send them.")


def _needs_weights(lm: TextWriter) -> None:
    if lm.has_weights:
        return
    raise ModelUnavailable("This view needs the model's weights",
                           f"`{lm.model_id}` writes on a serving engine (GENAI_TEXT_SERVER), which scores only "
                           "the tokens it writes itself, not any text a page gives it.",
                           "Unset GENAI_TEXT_SERVER to run the model inside the app, where every number is "
                           "shown; the text pages then write with GENAI_TEXT_MODEL.", lm.model_id)


def last_logits(lm: TextModel, ids: Sequence[int]) -> "torch.Tensor":
    """The model's next-token logits (float32, shape [1, vocab]) after a sequence of token ids.

    Read by the model's engine in pieces of its passes, as writing reads a prompt."""
    _needs_weights(lm)
    return lm.engine.read(list(ids), keep=1)


def _tail_logits(lm: TextModel, ids: list[int], keep: int) -> "torch.Tensor":
    """Logits (float32) at the last `keep` positions of a sequence: each row predicts the token after it.

    Only those positions go through the output layer (a vocabulary-wide row each)."""
    _needs_weights(lm)
    return lm.engine.read(ids, keep=keep)


def eos_ids(lm: TextWriter) -> Set[int]:
    """The token ids that end a text (a chat model may have several); `generate` stops at any of them."""
    return lm.end_ids


# --- next-token view ----------------------------------------------------------------------------


def context_ids(lm: TextWriter, text: str, extra_ids: Sequence[int]) -> tuple[list[int], bool]:
    """Token ids of `text` followed by `extra_ids`, cut from the left to the model's window."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("The text is empty: type a few words to see what the model expects next.")
    limit = settings().limits.max_prompt_chars
    truncated = len(text) > limit
    ids = lm.encode(text[-limit:]) + [int(i) for i in extra_ids]
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


def next_token_scores(lm: TextWriter, ids: Sequence[int]) -> NextTokenScores:
    """The model's scores for the token after `ids`: every token's logit from a model here, the top
    candidates' log-probabilities from a serving engine that sends them."""
    import torch

    if not isinstance(lm, RemoteTextModel):
        return NextTokenScores(last_logits(lm, ids))  # type: ignore[arg-type]  # not served: a TextModel
    token = lm.next_token(ids)
    size = max([lm.vocab_size] + [token_id + 1 for token_id, _ in token.candidates])
    logits = torch.full((1, size), float("-inf"))
    for token_id, logprob in token.candidates:
        logits[0, token_id] = logprob
    return NextTokenScores(logits, listed=len(token.candidates))


def next_token_distribution(lm: TextWriter, text: str, sampling: SamplingSettings | None = None,
                            top: int = 20, extra_ids: Sequence[int] = ()) -> NextTokenDistribution:
    """What the model expects after `text` (and after `extra_ids`, tokens already generated after it):
    its top candidates, and what the sampling knobs leave of them."""
    sampling = sampling or SamplingSettings()
    sampling.check()
    if top < 1:
        raise ValueError(f"top must be at least 1, not {top}.")
    ids, truncated = context_ids(lm, text, extra_ids)
    return distribution_from_scores(lm, ids, truncated, next_token_scores(lm, ids), sampling, top)


def distribution_from_scores(lm: TextWriter, ids: Sequence[int], truncated: bool, scores: NextTokenScores,
                             sampling: SamplingSettings, top: int = 20) -> NextTokenDistribution:
    """The distribution the knobs leave of the model's scores after `ids` (no model call: a page that keeps
    the scores redraws a knob change without running the model again).

    A server's scores cover only the candidates it listed (see `_knobs_on_listed`)."""
    import torch

    sampling.check()
    logits = scores.logits.clone()
    rest_kept, listed_mass = False, 1.0
    if scores.listed is None:
        seen = torch.zeros_like(logits, dtype=torch.bool)
        seen[0, list(ids)] = True
        logits = penalize_repetition(logits, seen, [sampling.repetition_penalty])
        probs = torch.softmax(logits[0], dim=-1)
        adjusted = torch.softmax(filter_logits(logits, [sampling])[0], dim=-1)
    elif sampling.repetition_penalty != 1.0:
        raise ValueError("A server sends log-probabilities, not the model's logits: the repetition penalty "
                         "cannot be drawn from them.")
    else:
        probs = torch.exp(logits[0])  # the server's own probabilities; the tokens it did not list hold the rest
        listed_mass = float(probs.sum())
        listed_probs, listed_ids = torch.topk(probs, scores.listed)
        kept_listed, rest_kept = _knobs_on_listed(listed_probs, max(0.0, 1.0 - listed_mass), sampling)
        adjusted = torch.zeros_like(probs)
        adjusted[listed_ids] = kept_listed
    kept_all = adjusted > 0
    top = min(top, probs.shape[0] if scores.listed is None else scores.listed)
    top_probs, top_ids = torch.topk(probs, top)
    token_ids = top_ids.tolist()
    return NextTokenDistribution(
        token_ids=token_ids,
        pieces=lm.pieces(token_ids),
        probs=top_probs.tolist(),
        adjusted_probs=adjusted[top_ids].tolist(),
        kept=kept_all[top_ids].tolist(),
        entropy_bits=entropy_bits(adjusted),
        kept_mass=float(probs[kept_all].sum()) + (1.0 - listed_mass if rest_kept else 0.0),
        prompt_truncated=truncated,
        model_entropy_bits=entropy_bits(probs),
        kept_count=int(kept_all.sum()),
        context_tokens=len(ids),
        listed=scores.listed,
        listed_mass=listed_mass,
        rest_kept=rest_kept,
    )


def _knobs_on_listed(probs: "torch.Tensor", rest: float,
                     sampling: SamplingSettings) -> tuple["torch.Tensor", bool]:
    """What the knobs leave of a server's listed candidates (`probs`, most likely first) when the tokens it did
    not list hold `rest` of the probability, and whether some of those stay in.

    Where top-k or top-p close within the listed candidates, the result is exact (the server keeps the same
    tokens). Where the unlisted tokens stay in, they are counted with their share at temperature 1: exact at
    temperature 1; at other temperatures their real share is not known here."""
    import torch

    if sampling.greedy:
        return torch.nn.functional.one_hot(torch.tensor(0), len(probs)).to(probs.dtype), False
    weights = probs ** (1.0 / sampling.temperature)
    tail = rest
    if 0 < sampling.top_k <= len(probs):
        weights[sampling.top_k:] = 0
        tail = 0.0
    if sampling.top_p < 1:
        shares = weights / (weights.sum() + tail)
        before = torch.cumsum(shares, dim=0) - shares
        keep = before < sampling.top_p
        keep[0] = True
        weights = torch.where(keep, weights, torch.zeros_like(weights))
        if float(shares.sum()) >= sampling.top_p:
            tail = 0.0  # the nucleus closed among the listed candidates
    return weights / (weights.sum() + tail), tail > 0


def sample_next_token(lm: TextWriter, text: str, sampling: SamplingSettings, extra_ids: Sequence[int] = (),
                      top: int = 5) -> TokenConfidence:
    """One token drawn after `text` + `extra_ids` with the knobs, as `generate` would draw it, with the
    probability the model gave it and its `top` candidates.

    The draw is seeded from `sampling.seed` and the number of tokens already chosen, so step mode
    repeats itself for the same seed and the same choices. On a serving engine the server draws it.
    """
    import torch

    sampling.check()
    seeded = replace(sampling, seed=(sampling.seed + len(extra_ids)) % GENERATOR_SEEDS)
    if isinstance(lm, RemoteTextModel):
        ids, _ = context_ids(lm, text, extra_ids)
        return written_confidences(lm, [lm.next_token(ids, seeded, top=top)])[0]
    _, _, logits = _next_logits(lm, text, extra_ids, sampling)  # type: ignore[arg-type]  # local: a TextModel
    token = sample_rows(logits, [sampling], [make_generator(seeded.seed)])[0]
    probs = torch.softmax(logits[0], dim=-1)
    top_probs, top_ids = torch.topk(probs, min(top, probs.shape[0]))
    candidates = lm.pieces(top_ids.tolist())
    return TokenConfidence(lm.pieces([token])[0], token, float(probs[token]),
                           [(piece, float(p)) for piece, p in zip(candidates, top_probs)])


# --- batched generation -------------------------------------------------------------------------


def generate(lm: TextWriter, prompt: str, columns: Sequence[SamplingSettings],
             owner: str | None = None) -> Iterator[GenerationUpdate]:
    """Continue `prompt` once per column, streaming every column's text as its tokens arrive.

    The columns join the model's engine, where they decode in one batch with every other session's
    rows. Each column samples with its own knobs and its own random generator (seeded from its seed),
    so its text is the same whether it runs alone, beside other columns, or beside other learners. A
    column stops at an end-of-text token or at its max_new_tokens. While the engine's batch is full
    the updates say how many rows are ahead in line. Closing the iterator early cancels the work.
    Raises ValueError for an empty prompt or absurd settings (before any work is done). On a serving
    engine each column is its own streamed request with its knobs and seed. `owner` is the learner who
    asks: the engine shares its batch fairly between learners, not between jobs.
    """
    prepared = prepare_prompt(lm, prompt, columns)
    # A server is sent the prompt itself, or (once it was cut) the text of the ids that were kept.
    return _updates(lm, prepared, list(columns), prompt=None if prepared.truncated else prompt, owner=owner)


def generate_reply(lm: TextWriter, prompt_text: str, messages: list[dict[str, str]],
                   sampling: SamplingSettings, owner: str | None = None) -> Iterator[GenerationUpdate]:
    """A chat model's reply to `messages`, whose chat template gives `prompt_text`, as it grows.

    Inside the app the model continues `prompt_text`; a serving engine is sent the messages and applies
    the same template (from the same tokenizer files) itself."""
    return _updates(lm, prepare_prompt(lm, prompt_text, [sampling]), [sampling], messages=messages, owner=owner)


def _updates(lm: TextWriter, prepared: PreparedPrompt, columns: list[SamplingSettings], prompt: str | None = None,
             messages: list[dict[str, str]] | None = None, owner: str | None = None) -> Iterator[GenerationUpdate]:
    # Closing this iterator closes the writer's, which stops the work.
    for part in lm.generate(prepared.ids, columns, prepared.max_new_tokens, prompt, messages, owner):
        for notice in part.notices:  # e.g. the knobs a server ignores, said once
            if notice not in prepared.notices:
                prepared.notices.append(notice)
        step = max(len(ids) for ids in part.token_ids)
        yield GenerationUpdate(step, part.texts, part.token_ids, part.finished, prepared, part.rows_ahead,
                               part.expected_wait_s, part.prompt_read, part.scores)


def decode(lm: TextWriter, ids: Sequence[int]) -> str:
    """Token ids back to text (the writer locks its shared tokenizer itself)."""
    return lm.decode(ids)


def generate_texts(lm: TextWriter, prompt: str, columns: Sequence[SamplingSettings]) -> list[str]:
    """The finished continuation of `prompt` for each column (blocking form of `generate`)."""
    last = None
    for last in generate(lm, prompt, columns):
        pass
    assert last is not None
    return last.texts


# --- confidence view ----------------------------------------------------------------------------


def written_confidences(lm: TextWriter, scored: Sequence[ScoredToken]) -> list[TokenConfidence]:
    """The confidence view of tokens a server scored as it wrote them (no model call)."""
    import math

    pieces = lm.pieces([token.token_id for token in scored])
    return [TokenConfidence(piece, token.token_id, math.exp(token.logprob),
                            [(candidate, math.exp(logprob)) for candidate, (_, logprob)
                             in zip(lm.pieces([i for i, _ in token.candidates]), token.candidates)])
            for piece, token in zip(pieces, scored)]


def token_confidences(lm: TextModel, prompt: str, continuation: str, top: int = 5,
                      continuation_ids: Sequence[int] | None = None) -> list[TokenConfidence]:
    """The probability the model (temperature 1) gave each token of `continuation`, coming after `prompt`.

    Pass `continuation_ids` (e.g. from a `GenerationUpdate`) to score exactly the tokens that were generated.
    """
    import torch

    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("The prompt is empty: there is nothing for the continuation to follow.")
    if continuation_ids is None:
        continuation_ids = lm.encode(continuation)
    continuation_ids = list(continuation_ids)
    if not continuation_ids:
        return []
    prompt_ids = lm.encode(prompt[-settings().limits.max_prompt_chars:])
    window = lm.context_window
    continuation_ids = continuation_ids[:window - 1]
    prompt_ids = prompt_ids[-(window - len(continuation_ids)):]
    # From the prompt's last position (it predicts the first continuation token) to the one before the end.
    logits = _tail_logits(lm, prompt_ids + continuation_ids, len(continuation_ids) + 1)
    probs = torch.softmax(logits[:-1], dim=-1)
    top_probs, top_ids = torch.topk(probs, min(top, probs.shape[-1]), dim=-1)
    pieces = lm.pieces(continuation_ids)
    candidates = [lm.pieces(row) for row in top_ids.tolist()]
    return [TokenConfidence(pieces[position], token, float(probs[position, token]),
                            [(piece, float(p)) for piece, p in zip(candidates[position], top_probs[position])])
            for position, token in enumerate(continuation_ids)]
