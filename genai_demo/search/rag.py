"""Retrieval-augmented answers on any causal LM: the same question with and without retrieved passages.

A base model (GPT-2) only continues text, so it gets "Question: ... Answer:" and its answer is its first
line (it tends to carry on with another question). An instruct model (one whose tokenizer has a chat
template) expects a conversation: the same words go in as a user turn, and its answer ends when it closes
its turn with its end token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from genai_demo.engine.bundles import TextModel
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.search.retrieval import Passage, build_plain_prompt, build_rag_prompt
from genai_demo.text.generation import GenerationUpdate, generate
from genai_demo.text.instruct import has_chat_template, user_turn

ANSWER_SETTINGS = SamplingSettings(temperature=0, max_new_tokens=40)


@dataclass(frozen=True)
class Answer:
    """What the model wrote after one prompt, as the page shows it."""

    text: str  # whole characters only; a base model's answer stops at its first line break
    tokens: int  # tokens the model wrote (the end token included)
    ended_turn: bool  # the model chose its end-of-text / end-of-turn token
    went_on: bool  # a base model wrote more lines after its answer (not shown)


def model_prompt(tokenizer: Any, question: str, hits: Sequence[tuple[Passage, float]] = ()) -> str:
    """The exact text the model reads: the plain layout for a base model, a user turn for an instruct model.

    Only the tokenizer is needed, so a page can show the prompt before the model itself is loaded."""
    return user_turn(tokenizer, build_rag_prompt(question, hits) if hits else build_plain_prompt(question))


def read_answer(lm: TextModel, update: GenerationUpdate, chat: bool) -> Answer:
    """The answer so far in one update of `generate` (`chat`: the model is an instruct model)."""
    ids = update.token_ids[0]
    ended = bool(ids) and ids[-1] in lm.end_ids
    text = update.texts[0].rstrip("\ufffd")  # a token cut inside a character waits for its other bytes
    if chat:
        return Answer(text.strip(), len(ids), ended, went_on=False)
    lines = text.lstrip().split("\n", 1)
    went_on = len(lines) > 1 and bool(lines[1].strip())
    return Answer(lines[0].strip(), len(ids), ended and not went_on, went_on)


def answer(lm: TextModel, prompt: str, settings: SamplingSettings = ANSWER_SETTINGS) -> Answer:
    """The finished answer to `prompt` (made by `model_prompt`); raises ValueError for an empty prompt."""
    last = None
    for last in generate(lm, prompt, [settings]):
        pass
    assert last is not None
    return read_answer(lm, last, has_chat_template(lm.tokenizer))
