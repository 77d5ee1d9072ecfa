"""Made-up facts: ask the text model questions with known answers, record how sure it was of each
token it wrote, and compare with the same questions when retrieved passages are pasted above them.

Fluent is not the same as true: a model can be confident and wrong.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

from genai_demo.config import DATA_DIR
from genai_demo.engine.bundles import TextModel
from genai_demo.search.retrieval import FACTS_TOPIC, PassageIndex, build_plain_prompt, build_rag_prompt
from genai_demo.text.generation import SamplingSettings, TokenConfidence, generate, token_confidences
from genai_demo.text.instruct import has_chat_template, user_turn

DATA_FILE = DATA_DIR / "fact_questions.json"
ANSWER_TOKENS = 16  # room for an instruct model's "The capital of France is Paris."


@dataclass(frozen=True)
class FactQuestion:
    """A question with a known answer (any of several spellings)."""

    question: str
    answers: tuple[str, ...]  # any of these in the model's answer counts as correct


@dataclass
class FactCheck:
    """The model's answer to one question, how sure it was of each token, and whether it was right."""

    question: FactQuestion
    prompt: str
    answer: str
    confidences: list[TokenConfidence]
    correct: bool
    with_context: bool
    ended_turn: bool = False  # the model chose its end-of-text (end-of-turn) token within the answer
    chat: bool = False  # the question went in as a user turn of the model's chat template

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
    """The questions shipped in fact_questions.json."""
    return list(_questions())


def is_correct(answer: str, accepted: Sequence[str]) -> bool:
    """Whether `answer` contains any accepted answer, ignoring case."""
    text = answer.casefold()
    return any(option.casefold() in text for option in accepted)


def first_line(text: str) -> str:
    """The answer is the first line with something on it: a base model often goes on with another
    question after a new line, and an instruct model often starts its reply with one."""
    return next((line.strip() for line in text.split("\n") if line.strip()), "")


def answer_question(lm: TextModel, question: FactQuestion, index: PassageIndex | None = None,
                    passages: int = 2) -> FactCheck:
    """Greedy answer to one question, with the confidence of every token written.

    With an `index`, the closest fact passages are retrieved and pasted above the question.
    """
    if index is None:
        text = build_plain_prompt(question.question)
    else:
        text = build_rag_prompt(question.question, index.search(question.question, k=passages, topic=FACTS_TOPIC))
    prompt, chat = user_turn(lm.tokenizer, text), has_chat_template(lm.tokenizer)
    last = None
    for last in generate(lm, prompt, [SamplingSettings(temperature=0.0, max_new_tokens=ANSWER_TOKENS)]):
        pass
    assert last is not None
    answer = first_line(last.texts[0])
    ids = list(last.token_ids[0])
    ended_turn = bool(ids) and ids[-1] in lm.end_ids
    confidences = token_confidences(lm, prompt, last.texts[0], continuation_ids=ids) if ids else []
    return FactCheck(question, prompt, answer, _answer_tokens(confidences, answer),
                     is_correct(answer, question.answers), index is not None, ended_turn, chat)


def _answer_tokens(confidences: list[TokenConfidence], answer: str) -> list[TokenConfidence]:
    """The confidences of the tokens that make up the answer line (blank lines before it skipped)."""
    shown, kept = "", []
    for confidence in confidences:
        if not shown.strip() and not confidence.piece.strip():
            continue  # the new line(s) an instruct model writes before its answer
        if "\n" in confidence.piece or len(shown.strip()) >= len(answer):
            break
        shown += confidence.piece
        kept.append(confidence)
    return kept


def check_all(lm: TextModel, questions: Sequence[FactQuestion], index: PassageIndex | None = None) -> list[FactCheck]:
    """Every question answered and checked, with retrieved passages in the prompt when `index` is given.

    The questions are asked at once, so the model's engine writes their answers in one batch (about as
    fast as one answer alone on a CPU) instead of one after another."""
    if not questions:
        raise ValueError("There are no questions to ask.")
    with ThreadPoolExecutor(max_workers=len(questions), thread_name_prefix="fact-check") as pool:
        return list(pool.map(lambda question: answer_question(lm, question, index), questions))
