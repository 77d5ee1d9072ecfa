"""Guess the next token: where a class's guesses rank in the model's real next-token distribution."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from genai_demo.engine.writer import TextWriter

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class GuessScore:
    """One guess, the token it starts with, and what the model gave that token."""

    guess: str
    piece: str  # the first token of the guess as the model would write it after the prompt
    prob: float  # the model's own probability (temperature 1)
    rank: int  # 1 = the model's most likely next token
    whole_word: bool  # the guess is that one token (a longer word starts with it)


def guess_ids(lm: TextWriter, prompt: str, guess: str) -> list[int]:
    """The tokens of `guess` written right after `prompt`: with the space in front that a word after a word
    carries (GPT-2's ' cat'), unless the prompt already ends in a space or line break."""
    word = guess.strip()
    return lm.encode(word if not prompt or prompt[-1].isspace() else " " + word)


def score_guesses(lm: TextWriter, prompt: str, logits: "torch.Tensor", guesses: Sequence[str]) -> list[GuessScore]:
    """Each guess's first token's probability and rank in the model's next-token logits ([1, vocab]) after
    `prompt`. Empty guesses are left out."""
    import torch

    probs = torch.softmax(logits[0].float(), dim=-1)
    scores = []
    for guess in guesses:
        ids = guess_ids(lm, prompt, guess) if guess.strip() else []
        if not ids:
            continue
        prob = float(probs[ids[0]])
        rank = int((probs > probs[ids[0]]).sum()) + 1
        scores.append(GuessScore(guess.strip(), lm.pieces([ids[0]])[0], prob, rank, len(ids) == 1))
    return scores
