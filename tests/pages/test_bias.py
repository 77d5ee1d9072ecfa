"""AppTest for the Bias page: the default template's charts and links, a learner's own template from a link
and shown literally, bad input, a Llama-architecture model."""

from __future__ import annotations

from genai_demo.challenges.bias import (
    default_templates,
)
from tests.conftest import run_page
from tests.helpers import shown_lines as _texts


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
