"""AppTest for the How ChatGPT answers walk-through (how_llms_work) on the tiny offline models, GPT-2 and
Llama architectures."""

from __future__ import annotations

import pytest

from genai_demo.config import display_name, settings
from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
from genai_demo.text import attention
from tests.conftest import run_page
from tests.helpers import shown_lines as _texts


def _charts(at) -> int:
    return len(at.get("vega_lite_chart"))


WALK = "how_llms_work.py"


def _step(step: str, **link: str) -> dict[str, str]:
    return {"how_llms_work_step": step, **{f"how_llms_work_{k}": v for k, v in link.items()}}


def test_walkthrough_opens_on_the_tokens_step(app_env):
    at = run_page(WALK)
    assert not at.exception
    assert at.text_area(key="how_llms_work_text").value == "What's the weather like today?"
    assert "1 · The text becomes tokens" in _texts(at.subheader)
    assert "7 tokens" in _texts(at.caption)
    assert "cannot tell you today's weather" in _texts(at.info)
    assert _charts(at) == 0, "the other steps do no work while closed"


def test_walkthrough_attention_step_follows_today(app_env):
    at = run_page(WALK, link=_step("Attention"))
    assert not at.exception
    assert at.selectbox(key="how_llms_work_focus").value == "5: today"
    assert "**5: today** pays most attention to" in _texts(at.markdown)
    assert _charts(at) == 1 and not at.warning


def test_a_link_reproduces_the_attention_view_and_the_generated_text(app_env):
    link = _step("Attention", layer="2", head="head 2", focus="every token")
    at = run_page(WALK, link=link)
    assert not at.exception
    assert at.slider(key="how_llms_work_layer").value == 2
    assert "In this head, **6: ?** pays most attention to" in _texts(at.markdown)
    written = []
    for _ in range(2):  # the same link twice: the same words
        at = run_page(WALK, link=_step("Next token", temperature="0.9", seed="3"))
        assert at.number_input(key="how_llms_work_seed").value == 3
        at.button(key="how_llms_work_go").click().run()
        assert not at.exception
        kept = at.session_state["how_llms_work_state"].continuation
        setup, text = kept.setup, kept.text
        assert setup == ("What's the weather like today?", 0.9, 3) and text
        written.append(text)
    assert written[0] == written[1]
    assert any("the model writes" in c.value for c in at.caption)


def test_bad_link_values_get_a_notice_not_a_traceback(app_env):
    at = run_page(WALK, link=_step("Attention", layer="99", head="head 999", focus="<script>"))
    assert not at.exception
    assert at.slider(key="how_llms_work_layer").value == 2  # the tiny model's last layer
    toasts = _texts(at.toast)
    assert "so 2 is used" in toasts and "not one of the options" in toasts
    assert at.selectbox(key="how_llms_work_head").value == "average of all heads"


def test_walkthrough_empty_text_asks_for_some(app_env):
    at = run_page(WALK, link=_step("Attention"))
    at.text_area(key="how_llms_work_text").set_value("   ").run()
    assert not at.exception
    assert "Type a question" in _texts(at.info)
    assert _charts(at) == 0


def test_walkthrough_long_text_is_cut_with_notice(app_env, gpt2_tokenizer):
    text = "The weather is nice today. " * 50
    at = run_page(WALK, link=_step("Attention"))
    at.text_area(key="how_llms_work_text").set_value(text).run()
    assert not at.exception
    notice = _texts(at.info)
    total = len(gpt2_tokenizer(text)["input_ids"])
    assert f"Your text has {total} tokens" in notice
    assert f"shows only its first {attention.WALKTHROUGH_TOKENS}" in notice
    assert f"{attention.WALKTHROUGH_TOKENS - 1}: " in at.selectbox(key="how_llms_work_focus").options[-1]


@pytest.fixture(params=["tiny_gpt2_dir", "tiny_llama_dir"])
def any_causal_lm(request, app_env):
    """The walk-through on both architectures: GPT-2 (learned positions) and Llama (rotary, grouped heads)."""
    folder = request.getfixturevalue(request.param)
    app_env.setenv("GENAI_TEXT_MODEL", str(folder))
    from tests.conftest import reset_app_state

    reset_app_state()
    return load_model(kinds.TEXT, str(folder))


def test_transformer_step_draws_the_loaded_models_real_architecture(any_causal_lm):
    at = run_page(WALK, link=_step("Transformer"))
    assert not at.exception
    config = any_causal_lm.model.config
    name = display_name(settings().text_model)
    assert name in _texts(at.subheader)
    diagram = at.get("graphviz_chart")[0].proto.spec
    assert f"× {config.num_hidden_layers} blocks" in diagram
    assert f"{config.num_attention_heads} heads" in diagram
    table = at.table[0].value
    total = sum(p.numel() for p in any_causal_lm.model.parameters())
    assert f"{total:,}" in list(table["value"])
    assert ("rotary" in diagram) == (config.model_type == "llama")


def test_reach_step_measures_each_layer_against_the_character_window(any_causal_lm):
    at = run_page(WALK, link=_step("Reach"))
    assert not at.exception
    summary = _texts(at.markdown)
    assert "the character model's 8 characters are about" in summary, summary
    assert "tokens** back" in summary
    chart = str(at.get("vega_lite_chart")[0].proto)
    assert "layer 1" in chart and "layer 2" in chart and "0 (itself)" in chart
    assert "within the character model" in chart


def test_every_step_runs_on_both_architectures(any_causal_lm):
    for step in ("Tokens", "Embeddings", "Attention", "Layer guesses", "Next token"):
        at = run_page(WALK, link=_step(step))
        assert not at.exception, step
        assert not at.warning, step
    at.button(key="how_llms_work_go").click().run()
    assert not at.exception
    assert at.session_state["how_llms_work_state"].continuation.text


def test_an_instruct_model_reads_the_question_as_a_user_turn_and_says_when_it_stops(app_env, tiny_chat_dir):
    app_env.setenv("GENAI_TEXT_MODEL", str(tiny_chat_dir))
    from tests.conftest import reset_app_state

    reset_app_state()
    at = run_page(WALK, link=_step("Next token", temperature="0"))
    assert not at.exception
    assert "instruction-tuned" in _texts(at.caption)
    assert at.code[0].value.startswith("<|im_start|>user\nWhat's the weather like today?")
    at.button(key="how_llms_work_go").click().run()
    assert not at.exception
    ended = at.session_state["how_llms_work_state"].continuation.ended
    assert ended == ("ended its turn" in _texts(at.caption))


def test_reach_and_attention_knobs_do_not_run_the_model_again(app_env, monkeypatch):
    from genai_demo.engine.batching import TextEngine
    from genai_demo.text import transformer

    attention.clear_cache()
    transformer.clear_cache()
    calls = []
    real_run = TextEngine.run
    monkeypatch.setattr(TextEngine, "run", lambda self, work, **kw: calls.append(work) or real_run(self, work, **kw))
    at = run_page(WALK, link=_step("Reach"))
    first = len(calls)
    assert first >= 1
    at.toggle(key="how_llms_work_skip_first").set_value(False).run()
    assert not at.exception and len(calls) == first, "the reach is measured once per text"
    at = run_page(WALK, link=_step("Attention"))
    before = len(calls)
    at.selectbox(key="how_llms_work_head").set_value("head 2").run()
    at.slider(key="how_llms_work_layer").set_value(1).run()
    assert not at.exception and len(calls) == before, "picking a head redraws the kept attention maps"


@pytest.mark.parametrize("text", ["東京の天気は？ 🌦️", "ما هو الطقس اليوم؟"])
def test_walkthrough_handles_non_latin_text(app_env, text):
    for step in ("Embeddings", "Attention", "Reach", "Layer guesses", "Next token"):
        at = run_page(WALK, link=_step(step))
        at.text_area(key="how_llms_work_text").set_value(text).run()
        assert not at.exception, step
        assert _charts(at) >= 1, step


def test_walkthrough_ignores_leading_blank_space(app_env):
    at = run_page(WALK, link=_step("Attention"))
    at.text_area(key="how_llms_work_text").set_value("\n" * 200 + "What's the weather like today?").run()
    assert not at.exception
    assert "**5: today** pays most attention to" in _texts(at.markdown)
