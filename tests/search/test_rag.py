"""genai_demo.search.rag: answers read from base and instruct models, the prompt each one gets, and the real
SmolLM2 with and without the retrieved passages."""

from __future__ import annotations

from genai_demo.search import rag
from genai_demo.search.retrieval import (
    build_plain_prompt,
    build_rag_prompt,
)


def _update(lm, text: str, end: bool = False):
    """A finished generation update holding `text` as the model's tokens (plus its end token)."""
    from genai_demo.text.generation import GenerationUpdate, PreparedPrompt

    ids = list(lm.tokenizer(text, add_special_tokens=False)["input_ids"]) + ([min(lm.end_ids)] if end else [])
    return GenerationUpdate(len(ids), [text], [ids], [True], PreparedPrompt([1], [40], False, 0, False))


def test_a_base_models_answer_is_its_first_line(lm):
    answer = rag.read_answer(lm, _update(lm, " OpenAI, in 2019.\nQuestion: Who made BERT?\nAnswer:"), chat=False)
    assert answer.text == "OpenAI, in 2019." and answer.went_on and not answer.ended_turn
    ended = rag.read_answer(lm, _update(lm, " OpenAI.", end=True), chat=False)
    assert ended.text == "OpenAI." and ended.ended_turn and not ended.went_on


def test_a_character_cut_between_tokens_is_not_shown_as_a_replacement_sign(lm):
    robot = lm.tokenizer("🤖", add_special_tokens=False)["input_ids"]
    partial = lm.tokenizer.decode(robot[:-1])
    assert partial.endswith("\ufffd")
    assert rag.read_answer(lm, _update(lm, "Hi " + partial), chat=True).text == "Hi"


def test_the_prompt_is_plain_for_a_base_model_and_a_user_turn_for_an_instruct_model(lm, tiny_chat_dir, index):
    from genai_demo.engine.loader import load_tokenizer

    question = "Who released GPT-2?"
    hits = index.search(question, k=2)
    assert rag.model_prompt(lm.tokenizer, question, hits) == build_rag_prompt(question, hits)
    assert rag.model_prompt(lm.tokenizer, question) == build_plain_prompt(question)
    wrapped = rag.model_prompt(load_tokenizer(str(tiny_chat_dir)), question, hits)
    assert wrapped == f"<|im_start|>user\n{build_rag_prompt(question, hits)}<|im_end|>\n<|im_start|>assistant\n"


def test_real_smollm2_answers_from_the_passages_and_guesses_without_them(smollm2, index):
    """The case of issue 20: an instruct model used to answer '(nothing)' to the bare 'Question: ... Answer:'."""
    question = "Who released GPT-2, and in which year?"
    with_context = rag.answer(smollm2, rag.model_prompt(smollm2.tokenizer, question, index.search(question, k=2)))
    without = rag.answer(smollm2, rag.model_prompt(smollm2.tokenizer, question))
    assert "OpenAI" in with_context.text and "2019" in with_context.text and with_context.ended_turn
    assert without.text and without.ended_turn  # it answers (and ends its turn) on its own, from memory
    assert "2019" not in without.text  # ... and without the passage it gets the year wrong
