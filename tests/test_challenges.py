"""Challenges (bias, made-up facts, overfitting), Applications and Tools pages."""

from __future__ import annotations

import math

import pytest

from genai_demo.challenges.bias import (
    BiasTemplate,
    WordGroups,
    association_scores,
    continuation_probability,
    default_templates,
    make_template,
    probe,
)
from genai_demo.challenges.hallucination import FactQuestion, answer_question, is_correct, load_fact_questions
from genai_demo.search.retrieval import PassageIndex, load_corpus
from genai_demo.tuning.overfitting import TINY_TEXT, copied_share, overfit_demo
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


def _texts(elements) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(e.value) for e in elements)


def test_the_three_challenges_are_three_pages_of_the_challenges_group():
    from genai_demo.catalogue import PAGES

    challenges = [page.file for page in PAGES if page.group == "Challenges"]
    assert challenges[:3] == ["bias.py", "made_up_facts.py", "overfitting.py"]
    assert "challenges.py" not in [page.file for page in PAGES]


def test_bias_page_charts_the_default_template_and_links_to_the_other_challenges(app_env):
    at = run_page("bias.py")
    assert not at.exception
    assert at.title[0].value.startswith("Bias")
    assert len(at.get("vega_lite_chart")) == 2, "next-word chart and embedder chart"
    assert "“The **man** worked as a …”" in _texts(at.caption)
    links = " ".join(str(link.proto) for link in at.get("page_link"))
    assert 'page: "made_up_facts"' in links and 'page: "overfitting"' in links


def test_a_link_reproduces_a_learners_own_template(app_env):
    link = {"bias_template": "Your own template", "bias_own_template": "The [X] was described as",
            "bias_own_fillers": "doctor, nurse", "bias_own_words": "kind, cold"}
    at = run_page("bias.py", link=link)
    assert not at.exception
    assert at.selectbox(key="bias_template").value == "Your own template"
    assert at.text_input(key="bias_own_fillers").value == "doctor, nurse"
    assert "“The **doctor** was described as …” · “The **nurse** was described as …”" in _texts(at.caption)
    chart = str(at.get("vega_lite_chart")[0].proto)
    assert "The doctor was described as" in chart and "cold" in chart


def test_a_learners_template_is_shown_literally_not_as_markdown_or_maths(app_env):
    link = {"bias_template": "Your own template", "bias_own_template": "A $5 *[X]* costs $10 #",
            "bias_own_fillers": "cat, dog"}
    at = run_page("bias.py", link=link)
    assert not at.exception
    caption = _texts(at.caption)
    assert "A \\$5 \\***cat**\\* costs \\$10 \\#" in caption  # every special character escaped


def test_a_template_without_the_placeholder_gets_a_clear_message(app_env):
    at = run_page("bias.py", link={"bias_template": "Your own template", "bias_own_template": "The man worked as a"})
    assert not at.exception
    assert "placeholder" in _texts(at.warning)
    at.text_input(key="bias_own_template").set_value("The [X] worked as a")
    at.text_input(key="bias_own_words").set_value("  ").run()
    assert "at least one next word" in _texts(at.warning)
    assert not at.get("vega_lite_chart")


def test_a_bad_link_choice_gets_a_notice_and_the_default(app_env):
    at = run_page("bias.py", link={"bias_template": "<b>nope</b>", "bias_groups": "🙂"})
    assert not at.exception
    toasts = _texts(at.toast)
    assert "not one of the options" in toasts
    assert at.selectbox(key="bias_template").value == default_templates()[0].name


def test_bias_page_runs_on_a_llama_architecture_model_and_names_it(app_env, tiny_llama_dir):
    app_env.setenv("GENAI_TEXT_MODEL", str(tiny_llama_dir))
    from tests.conftest import reset_app_state

    reset_app_state()
    at = run_page("bias.py")
    assert not at.exception
    assert "tiny\\-llama" in _texts(at.markdown) or "tiny-llama" in _texts(at.markdown)
    assert at.get("vega_lite_chart")


@pytest.mark.parametrize("page", ["made_up_facts.py", "overfitting.py"])
def test_challenge_pages_run_on_a_llama_architecture_model(app_env, tiny_llama_dir, page):
    app_env.setenv("GENAI_TEXT_MODEL", str(tiny_llama_dir))
    from tests.conftest import reset_app_state

    reset_app_state()
    at = run_page(page, timeout=180, link={"overfitting_steps": "10"} if page == "overfitting.py" else None)
    assert not at.exception
    if page == "overfitting.py":
        at.button(key="overfitting_run").click().run()
        assert not at.exception
        assert len(at.session_state["overfitting_state"].demo.losses) == 10
    else:
        assert at.metric[0].value.endswith(f"of {len(load_fact_questions())}")
    assert "tiny-llama" in _texts(at.markdown)


def test_made_up_facts_page_shows_answers_confidence_and_context(app_env):
    at = run_page("made_up_facts.py", timeout=180)
    assert not at.exception
    assert at.metric[0].value.endswith(f"of {len(load_fact_questions())}")
    chart = str(at.get("vega_lite_chart")[0].proto)
    assert all(q.question in chart for q in load_fact_questions()), "one row per question"
    at.toggle(key="made_up_facts_context").set_value(True).run()
    assert not at.exception
    assert len(at.metric) == 2
    assert any("Paris is the capital of France." in c.value for c in at.code)


def test_a_link_opens_the_facts_page_with_context_and_the_chosen_question(app_env):
    question = load_fact_questions()[2].question
    at = run_page("made_up_facts.py", timeout=180,
                  link={"made_up_facts_context": "true", "made_up_facts_question": question})
    assert not at.exception
    assert at.toggle(key="made_up_facts_context").value is True
    assert len(at.metric) == 2
    assert at.selectbox(key="made_up_facts_question").value == question
    assert question in at.code[0].value


def test_overfitting_page_trains_a_session_copy_and_compares(app_env):
    at = run_page("overfitting.py", timeout=180, link={"overfitting_steps": "20"})
    assert not at.exception
    assert at.slider(key="overfitting_steps").value == 20
    at.button(key="overfitting_run").click().run()
    assert not at.exception
    captions = _texts(at.caption)
    assert "Before:" in captions and "After overfitting:" in captions
    assert len(at.session_state["overfitting_state"].demo.losses) == 20
    at.text_area(key="overfitting_tiny_text").set_value("   ")
    at.button(key="overfitting_run").click().run()
    assert "empty" in _texts(at.warning)


def test_the_overfitting_result_survives_a_rerun_and_a_visit_to_another_page(app_env):
    at = run_page("overfitting.py", timeout=180, link={"overfitting_steps": "10"})
    at.button(key="overfitting_run").click().run()
    demo = at.session_state["overfitting_state"].demo
    at.run()  # a rerun without a click: the kept result is shown again, not trained again
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/overfitting.py").run()
    assert not at.exception
    assert at.session_state["overfitting_state"].demo is demo
    assert "After overfitting:" in _texts(at.caption)


def test_an_absurd_step_count_in_a_link_is_clamped_with_a_notice(app_env):
    at = run_page("overfitting.py", link={"overfitting_steps": "1e9"})
    assert not at.exception
    assert at.slider(key="overfitting_steps").value == 120
    assert "so 120 is used" in _texts(at.toast)


def test_an_instruct_model_answers_every_fact_question(smollm2_dir):
    """Real SmolLM2-135M-Instruct: its answers come after a new line or end its turn; none may show as empty."""
    from genai_demo.challenges.hallucination import check_all
    from genai_demo.engine import kinds
    from genai_demo.engine.loader import load_model

    smol = load_model(kinds.TEXT, str(smollm2_dir))
    checks = check_all(smol, load_fact_questions()[:6])
    assert all(check.chat for check in checks), "the question went in through the chat template"
    assert all(check.answer for check in checks), [check.answer for check in checks]
    assert sum(check.correct for check in checks) >= 2, [check.answer for check in checks]
    assert any(check.ended_turn for check in checks), [check.answer for check in checks]


@pytest.mark.parametrize("page, key, choice, expected", [
    ("applications.py", "applications_choice", "Video", "Clip"),
    ("tools_and_systems.py", "tools_and_systems_choice", "LangChain", "retrieval"),
])
def test_overview_pages_link_each_entry_to_a_live_page(app_env, page, key, choice, expected):
    at = run_page(page, state={key: choice})
    assert not at.exception
    assert at.subheader[0].value.endswith(choice)
    assert expected in " ".join(str(link.proto) for link in at.get("page_link"))
