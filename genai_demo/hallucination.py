"""Made-up facts: ask the text model questions with known answers, record how sure it was of each
token it wrote, and compare with the same questions when retrieved passages are pasted above them.

Fluent is not the same as true: a model can be confident and wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Sequence

from genai_demo.engine import TextModel
from genai_demo.retrieval import FACTS_TOPIC, PassageIndex, build_plain_prompt, build_rag_prompt
from genai_demo.text import SamplingSettings, TokenConfidence, generate, token_confidences

DATA_FILE = Path(__file__).parent / "data" / "fact_questions.json"
ANSWER_TOKENS = 10


@dataclass(frozen=True)
class FactQuestion:
    question: str
    answers: tuple[str, ...]  # any of these in the model's answer counts as correct


@dataclass
class FactCheck:
    question: FactQuestion
    prompt: str
    answer: str
    confidences: list[TokenConfidence]
    correct: bool
    with_context: bool

    @property
    def mean_confidence(self) -> float:
        """The average probability the model gave the tokens it wrote (0 when it wrote nothing)."""
        if not self.confidences:
            return 0.0
        return sum(c.prob for c in self.confidences) / len(self.confidences)


@cache
def _questions() -> tuple[FactQuestion, ...]:
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(FactQuestion(row["question"], tuple(row["answers"])) for row in rows)


def load_fact_questions() -> list[FactQuestion]:
    return list(_questions())


def is_correct(answer: str, accepted: Sequence[str]) -> bool:
    text = answer.casefold()
    return any(option.casefold() in text for option in accepted)


def first_line(text: str) -> str:
    """The model's answer ends where it starts a new line (it often goes on with another question)."""
    return text.strip().split("\n", 1)[0].strip()


def answer_question(lm: TextModel, question: FactQuestion, index: PassageIndex | None = None,
                    passages: int = 2) -> FactCheck:
    """Greedy answer to one question, with the confidence of every token written.

    With an `index`, the closest fact passages are retrieved and pasted above the question.
    """
    if index is None:
        prompt = build_plain_prompt(question.question)
    else:
        prompt = build_rag_prompt(question.question, index.search(question.question, k=passages, topic=FACTS_TOPIC))
    last = None
    for last in generate(lm, prompt, [SamplingSettings(temperature=0.0, max_new_tokens=ANSWER_TOKENS)]):
        pass
    assert last is not None
    answer = first_line(last.texts[0])
    ids = list(last.token_ids[0])
    confidences = token_confidences(lm, prompt, last.texts[0], continuation_ids=ids) if ids else []
    # Keep the confidences of the tokens that make up the first line only.
    shown, kept = "", []
    for confidence in confidences:
        if "\n" in confidence.piece or len(shown.strip()) >= len(answer):
            break
        shown += confidence.piece
        kept.append(confidence)
    return FactCheck(question, prompt, answer, kept, is_correct(answer, question.answers), index is not None)


def check_all(lm: TextModel, questions: Sequence[FactQuestion], index: PassageIndex | None = None) -> list[FactCheck]:
    if not questions:
        raise ValueError("There are no questions to ask.")
    return [answer_question(lm, question, index) for question in questions]
