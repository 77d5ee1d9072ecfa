"""Sampling knobs and the math that turns a model's logits into the next token.

Everything works on a batch of rows, each with its own settings, so several columns of the text
generation studio decode together. Logits are cast to float32 before any softmax: the model may run
in bfloat16, and the probabilities shown to learners should not carry its rounding.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from genai_demo.engine.cpu_threads import SPLIT_TOP_K_FROM_ROWS, all_threads

if TYPE_CHECKING:
    import torch

MAX_TEMPERATURE = 10.0
MAX_REPETITION_PENALTY = 10.0
# A row's random generator takes any seed below this (torch's int64 seeds). The pages' seed boxes stop at
# config.MAX_SEED, far below it, so a page's seed plus the offsets it adds (one per column, per sample or per
# token already chosen) is the seed the generator gets, unchanged.
GENERATOR_SEEDS = 2**63


@dataclass(frozen=True)
class SamplingSettings:
    """How one column picks its tokens. temperature 0 means greedy (always the most likely token)."""

    temperature: float = 0.8
    top_k: int = 50  # 0 = off
    top_p: float = 0.95  # 1.0 = off
    repetition_penalty: float = 1.0  # 1.0 = off
    max_new_tokens: int = 40
    seed: int = 0

    @property
    def greedy(self) -> bool:
        return self.temperature == 0 or self.top_k == 1

    def check(self) -> None:
        """Raise ValueError with a plain message when a knob holds a value no model can use."""
        for name in ("temperature", "top_p", "repetition_penalty"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, not {value!r}.")
        for name in ("top_k", "max_new_tokens", "seed"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{name} must be a whole number, not {value!r}.")
        if not 0 <= self.temperature <= MAX_TEMPERATURE:
            raise ValueError(f"temperature must be between 0 (greedy) and {MAX_TEMPERATURE:g}, "
                             f"not {self.temperature:g}.")
        if self.top_k < 0:
            raise ValueError(f"top_k must be 0 (off) or a positive number of candidates, not {self.top_k}.")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p is a share of probability: more than 0 and at most 1, not {self.top_p:g}.")
        if not 0 < self.repetition_penalty <= MAX_REPETITION_PENALTY:
            raise ValueError("repetition_penalty must be more than 0 and at most "
                             f"{MAX_REPETITION_PENALTY:g} (1 = off), not {self.repetition_penalty:g}.")
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be at least 1, not {self.max_new_tokens}.")
        if not 0 <= self.seed < GENERATOR_SEEDS:
            raise ValueError(f"seed must be between 0 and {GENERATOR_SEEDS - 1}, not {self.seed}.")


def penalize_repetition(logits: "torch.Tensor", seen: "torch.Tensor", penalties: Sequence[float]) -> "torch.Tensor":
    """CTRL-style penalty: a token already in the text gets its logit divided (or, if negative, multiplied).

    logits: [rows, vocab] float32; seen: [rows, vocab] bool.
    """
    import torch

    if all(p == 1.0 for p in penalties):
        return logits
    penalty = torch.tensor(penalties, dtype=logits.dtype, device=logits.device)[:, None]
    penalized = torch.where(logits > 0, logits / penalty, logits * penalty)
    return torch.where(seen, penalized, logits)


Candidates = tuple[list[int], "torch.Tensor | None", "torch.Tensor"]  # rows, their ids, their scores


def candidates(logits: "torch.Tensor", columns: Sequence[SamplingSettings]) -> Iterator[Candidates]:
    """Temperature, then top-k, then top-p on each row of `logits` [rows, vocab], with that row's knobs.

    Yields (rows, ids, scores) for rows with the same temperature and top-k, taken together: ids [rows, k] are
    the candidates' token ids from the most likely down (None where every token is a candidate, in vocabulary
    order), scores [rows, k] their scaled logits, -inf where top-p cuts one. Greedy rows have one candidate,
    the most likely token. Each row gets the numbers it would get alone, and a class's step makes a handful of
    operations, not a handful per learner.
    """
    import torch

    vocab = logits.shape[-1]
    # (temperature, k) -> its rows; temperature 0: greedy; k 0: every token is a candidate
    alike: dict[tuple[float, int], list[int]] = {}
    for row, knobs in enumerate(columns):
        k = min(knobs.top_k, vocab) if knobs.top_k > 0 else vocab
        every_token = k == vocab and knobs.top_p >= 1
        alike.setdefault((0.0, 1) if knobs.greedy else (knobs.temperature, 0 if every_token else k), []).append(row)
    for (temperature, k), rows in alike.items():
        if temperature == 0:
            best = torch.argmax(logits[rows], dim=-1, keepdim=True)
            yield rows, best, logits[rows].gather(-1, best)
            continue
        scores = logits[rows] / temperature
        if k == 0:
            yield rows, None, scores
            continue
        top_p = torch.tensor([columns[row].top_p for row in rows], dtype=scores.dtype, device=scores.device)
        # Sorting only the top k keeps top-p cheap whenever top-k is on (50 of GPT-2's 50,257 tokens).
        with all_threads(len(rows) >= SPLIT_TOP_K_FROM_ROWS):
            top_scores, top_ids = torch.topk(scores, k)
        probs = torch.softmax(top_scores, dim=-1)
        mass_before = torch.cumsum(probs, dim=-1) - probs
        # The smallest set whose mass reaches top_p: a token stays while the mass before it falls short.
        keep = mass_before < top_p[:, None]
        keep[:, 0] = True
        yield rows, top_ids, top_scores.masked_fill(~keep, float("-inf"))


def filter_logits(logits: "torch.Tensor", columns: Sequence[SamplingSettings]) -> "torch.Tensor":
    """Each row's logits after its knobs, with -inf for cut tokens: softmax gives what that row samples from."""
    import torch

    out = torch.full_like(logits, float("-inf"))
    for rows, ids, scores in candidates(logits, columns):
        out[rows] = scores if ids is None else out[rows].scatter(-1, ids, scores)
    return out


def sample_rows(logits: "torch.Tensor", columns: Sequence[SamplingSettings],
                generators: Sequence["torch.Generator"]) -> list[int]:
    """One token id per row, drawn after that row's knobs with that row's own random generator.

    Inverse-CDF sampling over the candidates: one uniform number per row and step, so a row's choices
    depend only on its own logits, knobs and generator (and it is far cheaper than multinomial over a
    50,000-token vocabulary).
    """
    import torch

    picks: dict[int, int] = {}
    for rows, ids, scores in candidates(logits, columns):
        cdf = torch.cumsum(torch.softmax(scores.double(), dim=-1), dim=-1)
        draws = torch.cat([torch.rand(1, generator=generators[row], dtype=torch.float64) for row in rows])
        index = torch.searchsorted(cdf, (draws * cdf[:, -1])[:, None]).clamp(max=cdf.shape[-1] - 1)
        tokens = index if ids is None else ids.gather(-1, index)
        picks.update(zip(rows, tokens[:, 0].tolist()))
    return [picks[row] for row in range(len(columns))]


def make_generator(seed: int, device: str = "cpu") -> "torch.Generator":
    """A torch random generator on `device`, seeded with `seed`."""
    import torch

    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    return generator


def entropy_bits(probs: "torch.Tensor") -> float:
    """Shannon entropy of a probability vector, in bits (0 when one token has all the mass)."""
    import torch

    nonzero = probs[probs > 0]
    return float(-(nonzero * torch.log2(nonzero)).sum())
