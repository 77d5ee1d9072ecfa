"""AppTest runs of the walk-through, chat and prompting pages on the tiny offline models."""

from __future__ import annotations

import pytest

from genai_demo import attention, engine
from genai_demo.config import display_name, settings
from genai_demo.ui.text import plain_markdown
from tests.conftest import run_page


def _texts(elements) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(e.value) for e in elements)


def _charts(at) -> int:  # type: ignore[no-untyped-def]
    return len(at.get("vega_lite_chart"))


# --- how_llms_work ---------------------------------------------------------------------------------


def test_walkthrough_default_question(app_env):
    at = run_page("how_llms_work.py")
    assert not at.exception
    assert at.text_area(key="llm_text").value == "What's the weather like today?"
    # embeddings (3) + norms + attention lines + heatmap + logit lens + next-token bars
    assert _charts(at) >= 7
    assert "weather" in _texts(at.markdown)
    # ' today' is followed by default, and the sentence names what it attends to most.
    assert at.selectbox(key="llm_focus").value == "5: today"
    assert "**5: today** pays most attention to" in _texts(at.markdown)
    assert "cannot tell you today's weather" in _texts(at.info)
    assert not at.warning


def test_walkthrough_layer_head_and_generation(app_env):
    at = run_page("how_llms_work.py")
    at.slider(key="llm_layer").set_value(2)
    at.selectbox(key="llm_head").set_value("head 2")
    at.selectbox(key="llm_focus").set_value("every token")
    at.run()
    assert not at.exception
    assert "In this head, **6: ?** pays most attention to" in _texts(at.markdown)
    at.number_input(key="llm_seed").set_value(3)
    at.button(key="llm_generate").click().run()
    assert not at.exception
    written = at.session_state["llm_continuation"]
    assert written[0] == "What's the weather like today?" and written[1]
    assert any("the model writes" in c.value for c in at.caption)


def test_walkthrough_empty_text_asks_for_some(app_env):
    at = run_page("how_llms_work.py")
    at.text_area(key="llm_text").set_value("   ").run()
    assert not at.exception
    assert "Type a question" in _texts(at.info)
    assert _charts(at) == 0


def test_walkthrough_long_text_is_cut_with_notice(app_env, gpt2_tokenizer):
    text = "The weather is nice today. " * 50
    at = run_page("how_llms_work.py")
    at.text_area(key="llm_text").set_value(text).run()
    assert not at.exception
    notice = _texts(at.info)
    total = len(gpt2_tokenizer(text)["input_ids"])
    assert f"Your text has {total} tokens" in notice
    assert f"shows only its first {attention.WALKTHROUGH_TOKENS}" in notice
    assert f"{attention.WALKTHROUGH_TOKENS - 1}: " in at.selectbox(key="llm_focus").options[-1]


# --- chat ------------------------------------------------------------------------------------------


def test_chat_streams_a_reply_and_shows_what_the_model_reads(app_env, tiny_chat_dir):
    at = run_page("chat.py")
    assert not at.exception
    at.slider(key="chat_reply_tokens").set_value(8)
    at.toggle(key="chat_show_template").set_value(True)
    at.chat_input(key="chat_input").set_value("What's the weather like today?").run()
    assert not at.exception
    history = at.session_state["chat_history"]
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[1]["content"]
    tokenizer = engine.load_tokenizer(str(tiny_chat_dir))
    expected = tokenizer.apply_chat_template(
        [{"role": "system", "content": at.text_area(key="chat_system").value},
         {"role": "user", "content": "What's the weather like today?"}],
        tokenize=False, add_generation_prompt=True)
    # The template text on screen is the one that was tokenized and fed.
    assert at.code[0].value == expected == history[1]["prompt_text"]
    assert history[1]["prompt_ids"] == tokenizer(expected, add_special_tokens=False)["input_ids"]
    assert f"({len(history[1]['prompt_ids'])} tokens)" in at.expander[-1].label

    at.button(key="chat_clear").click().run()
    assert at.session_state["chat_history"] == []


def test_chat_with_gpt2_side_by_side(app_env):
    at = run_page("chat.py")
    at.slider(key="chat_reply_tokens").set_value(8)
    at.toggle(key="chat_compare").set_value(True)
    at.chat_input(key="chat_input").set_value("Hello").run()
    assert not at.exception
    reply = at.session_state["chat_history"][-1]
    assert reply["gpt2"]
    # The comparison names the text model actually loaded (here the test's folder), not "GPT-2".
    name = plain_markdown(display_name(settings().text_model))
    assert name == "tiny\\-gpt2"
    assert any(name in m.value and "no chat template" in m.value for m in at.markdown)


def test_a_message_sent_while_a_reply_streams_is_answered_after_it_not_dropped(app_env):
    # A second message during a reply restarts the page script mid-reply: the first message is then
    # still waiting (this state), and the new run must answer it before the new one.
    at = run_page("chat.py", state={"chat_pending": ["What is the capital of France?"]})
    at.slider(key="chat_reply_tokens").set_value(8)
    at.chat_input(key="chat_input").set_value("And of Spain?").run()
    assert not at.exception
    history = at.session_state["chat_history"]
    assert [(m["role"], m["content"]) for m in history if m["role"] == "user"] == [
        ("user", "What is the capital of France?"), ("user", "And of Spain?")]
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant"]
    assert at.session_state["chat_pending"] == []


def test_chat_model_missing_shows_the_panel(app_env, tmp_path):
    app_env.setenv("GENAI_CHAT_MODEL", str(tmp_path / "no-such-model"))
    from tests.conftest import reset_app_state

    reset_app_state()
    at = run_page("chat.py")
    assert not at.exception
    assert "folder does not exist" in _texts(at.error)
    assert at.title[0].value == "Chat"  # the page's teaching text is still there
    assert not at.chat_input
    # The rest of the app still works.
    other = run_page("how_llms_work.py")
    assert not other.exception and not other.error


def test_chat_offline_default_model_shows_the_panel(missing_models_env):
    at = run_page("chat.py")
    assert not at.exception
    assert "not downloaded yet" in _texts(at.error)
    assert any("prefetch" in c.value for c in at.code)


@pytest.mark.parametrize("text", ["東京の天気は？ 🌦️", "ما هو الطقس اليوم؟"])
def test_walkthrough_handles_non_latin_text(app_env, text):
    at = run_page("how_llms_work.py")
    at.text_area(key="llm_text").set_value(text).run()
    assert not at.exception
    assert _charts(at) >= 7


def test_walkthrough_ignores_leading_blank_space(app_env):
    at = run_page("how_llms_work.py")
    at.text_area(key="llm_text").set_value("\n" * 200 + "What's the weather like today?").run()
    assert not at.exception
    assert "**5: today** pays most attention to" in _texts(at.markdown)
