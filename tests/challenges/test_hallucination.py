"""genai_demo.challenges.hallucination: fact answers with the model's own token confidences, retrieved
context, correctness, and a real instruct model's answers."""

from __future__ import annotations

import pytest

from genai_demo.challenges.hallucination import FactQuestion, answer_question, is_correct, load_fact_questions
from genai_demo.search.retrieval import PassageIndex, load_corpus
from tests.helpers import direct_probabilities


def test_fact_answers_carry_the_models_own_token_confidences(lm):
    check = answer_question(lm, FactQuestion("What is the capital of France?", ("Paris",)))
    assert check.prompt.endswith("What is the capital of France?\nAnswer:")
    assert check.confidences, "the random model still writes something"
    ids = [c.token_id for c in check.confidences]
    for confidence, expected in zip(check.confidences, direct_probabilities(lm, check.prompt, ids)):
        assert confidence.prob == pytest.approx(expected, rel=1e-3, abs=1e-6)
    assert 0 < check.mean_confidence <= 1
    assert "".join(c.piece for c in check.confidences).strip() == check.answer


def test_retrieved_context_puts_the_right_fact_above_the_question(lm, embedder):
    index = PassageIndex.build(embedder, load_corpus())
    check = answer_question(lm, load_fact_questions()[0], index)
    assert check.with_context
    assert "Paris is the capital of France." in check.prompt


def test_checking_all_questions_at_once_gives_each_the_answer_it_gets_alone(lm):
    """check_all asks every question together (one batch); each answer and its confidences stay its own."""
    from genai_demo.challenges.hallucination import check_all

    questions = load_fact_questions()[:5]
    together = check_all(lm, questions)
    alone = [answer_question(lm, question) for question in questions]
    assert [c.question for c in together] == questions
    assert [c.answer for c in together] == [c.answer for c in alone]
    assert [[round(t.prob, 5) for t in c.confidences] for c in together] == [
        [round(t.prob, 5) for t in c.confidences] for c in alone]


def test_correctness_accepts_any_listed_answer():
    assert is_correct("It was Guido van Rossum.", ("Guido", "van Rossum"))
    assert not is_correct("Berlin", ("Paris",))


def test_an_instruct_model_answers_every_fact_question(smollm2):
    """Real SmolLM2-135M-Instruct: its answers come after a new line or end its turn; none may show as empty."""
    from genai_demo.challenges.hallucination import check_all
    checks = check_all(smollm2, load_fact_questions()[:6])
    assert all(check.chat for check in checks), "the question went in through the chat template"
    assert all(check.answer for check in checks), [check.answer for check in checks]
    assert sum(check.correct for check in checks) >= 2, [check.answer for check in checks]
    assert any(check.ended_turn for check in checks), [check.answer for check in checks]
