"""Challenges (bias, made-up facts, overfitting), Applications and Tools pages."""

from __future__ import annotations

import math

import pytest

from genai_demo.bias import (
    BiasTemplate,
    WordGroups,
    association_scores,
    continuation_probability,
    default_templates,
    make_template,
    probe,
)
from genai_demo.hallucination import FactQuestion, answer_question, is_correct, load_fact_questions
from genai_demo.overfitting import TINY_TEXT, copied_share, overfit_demo
from genai_demo.retrieval import PassageIndex, load_corpus
from tests.conftest import run_page


def direct_probabilities(lm, prompt: str, continuation_ids: list[int]) -> list[float]:
    """The probability of each continuation token, straight from the model's logits."""
    import torch

    prompt_ids = lm.tokenizer(prompt).input_ids
    ids = torch.tensor([prompt_ids + continuation_ids])
    with torch.no_grad():
        logits = lm.model(input_ids=ids).logits[0].float()
    probs = torch.softmax(logits, dim=-1)
    return [float(probs[len(prompt_ids) - 1 + i, token]) for i, token in enumerate(continuation_ids)]


def test_bias_probabilities_are_the_models_real_next_word_probabilities(lm):
    prompt = "The woman worked as a"
    for word in ("nurse", "receptionist"):  # one and several tokens
        ids = lm.tokenizer(" " + word).input_ids
        expected = math.prod(direct_probabilities(lm, prompt, ids))
        assert continuation_probability(lm, prompt, word) == pytest.approx(expected, rel=1e-3)


def test_probe_compares_every_filler_on_the_same_words(lm):
    template = default_templates()[0]
    rows = probe(lm, template)
    assert len(rows) == len(template.fillers) * len(template.words)
    for filler in template.fillers:
        shares = [r.share for r in rows if r.filler == filler]
        assert sum(shares) == pytest.approx(1.0)
        assert all(r.prompt == template.template.replace("[X]", filler) for r in rows if r.filler == filler)
    man, woman = ([r.probability for r in rows if r.filler == f] for f in template.fillers)
    assert man != woman  # the prompt really changes what the model expects


def test_a_learners_template_is_checked_with_clear_messages():
    added = make_template("mine", "The [X] is very", "cat, dog, cat", " fast ,slow,, ")
    assert added == BiasTemplate("mine", "The [X] is very", ("cat", "dog"), ("fast", "slow"))
    with pytest.raises(ValueError, match=r"placeholder \[X\]"):
        make_template("", "The man worked as a", "man, woman", "doctor")
    with pytest.raises(ValueError, match="at least two words"):
        make_template("", "The [X] worked as a", "man", "doctor")
    with pytest.raises(ValueError, match="at least one next word"):
        make_template("", "The [X] worked as a", "man, woman", " , ")


def test_embedder_associations_use_real_similarities(embedder):
    groups = WordGroups("animals vs money", ("kitten", "stock exchange"), "animals", ("cat", "dog", "puppy"),
                        "money", ("bank", "money", "market"))
    scores = dict(association_scores(embedder, groups))
    assert scores["kitten"] > 0 > scores["stock exchange"]
    with pytest.raises(ValueError, match="at least one word"):
        association_scores(embedder, WordGroups("empty", (), "a", ("x",), "b", ("y",)))


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


def test_correctness_accepts_any_listed_answer():
    assert is_correct("It was Guido van Rossum.", ("Guido", "van Rossum"))
    assert not is_correct("Berlin", ("Paris",))


def test_copied_share_measures_word_for_word_repetition():
    text = "The lighthouse keeper counted seven ships at dawn."
    assert copied_share(text, text) == 1.0
    assert copied_share("Bananas are yellow and sweet.", text) == 0.0
    assert copied_share("", text) == 0.0


def test_overfitting_trains_a_copy_on_the_tiny_text_and_leaves_the_base_alone(lm):
    # A random 2-layer model cannot memorise in a test's time; GPT-2 does (see the page). What must
    # hold everywhere: the copy's loss on the tiny text falls, both models answer, the base is untouched.
    before = {name: p.clone() for name, p in lm.model.named_parameters()}
    demo = overfit_demo(lm, steps=15, new_tokens=8)
    assert len(demo.losses) == 15 and demo.losses[-1] < demo.losses[0]
    assert len(demo.before) == len(demo.after) == len(demo.prompts) == 2
    assert demo.copied_after == [copied_share(text, TINY_TEXT) for text in demo.after]
    for name, parameter in lm.model.named_parameters():
        assert (parameter == before[name]).all(), name


# --- pages ------------------------------------------------------------------------------------


def test_bias_section_charts_the_default_template_and_accepts_new_ones(app_env):
    at = run_page("challenges.py")
    assert not at.exception
    assert at.get("vega_lite_chart"), "the next-word chart is drawn"
    at.text_input(key="challenges_new_text").set_value("The [X] was described as")
    at.text_input(key="challenges_new_fillers").set_value("doctor, nurse")
    at.text_input(key="challenges_new_words").set_value("kind, cold")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert at.selectbox(key="challenges_template").value == "The [X] was described as"
    assert "doctor" in " ".join(str(c.proto) for c in at.caption)


def test_a_template_without_the_placeholder_gets_a_clear_message(app_env):
    at = run_page("challenges.py")
    at.text_input(key="challenges_new_text").set_value("The man worked as a")
    at.button[0].click().run()
    assert not at.exception
    assert any("placeholder" in w.value for w in at.warning)
    at.text_input(key="challenges_new_text").set_value("The [X] worked as a")
    at.text_input(key="challenges_new_words").set_value("  ")
    at.button[0].click().run()
    assert any("at least one next word" in w.value for w in at.warning)


def test_made_up_facts_section_shows_answers_confidence_and_context(app_env):
    at = run_page("challenges.py", timeout=180, state={"challenges_section": "Made-up facts"})
    assert not at.exception
    assert at.metric[0].value.endswith(f"of {len(load_fact_questions())}")
    at.toggle(key="challenges_context").set_value(True).run()
    assert not at.exception
    assert len(at.metric) == 2
    assert any("Paris is the capital of France." in c.value for c in at.code)


def test_overfitting_section_trains_a_session_copy_and_compares(app_env):
    at = run_page("challenges.py", timeout=180, state={"challenges_section": "Overfitting"})
    assert not at.exception
    at.slider(key="challenges_steps").set_value(20)
    at.button(key="challenges_overfit_run").click().run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "Before:" in captions and "After overfitting:" in captions
    at.text_area(key="challenges_tiny_text").set_value("   ")
    at.button(key="challenges_overfit_run").click().run()
    assert any("empty" in w.value for w in at.warning)


@pytest.mark.parametrize("page, key, choice, expected", [
    ("applications.py", "applications_choice", "Video", "Clip"),
    ("tools_and_systems.py", "tools_and_systems_choice", "LangChain", "retrieval"),
])
def test_overview_pages_link_each_entry_to_a_live_page(app_env, page, key, choice, expected):
    at = run_page(page, state={key: choice})
    assert not at.exception
    assert at.subheader[0].value.endswith(choice)
    assert expected in " ".join(str(link.proto) for link in at.get("page_link"))
