"""AppTest for the Made-up facts page: answers, confidence and context, links; and the Challenges pages on
a Llama-architecture model."""

from __future__ import annotations

import pytest

from genai_demo.challenges.hallucination import load_fact_questions
from tests.conftest import run_page
from tests.helpers import shown_lines as _texts


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
