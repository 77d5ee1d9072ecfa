"""AppTest for the Chat page: streamed replies and the template the model reads, the base model beside it,
literal bubbles, links that reproduce the setup, pastes cut with a notice, missing models."""

from __future__ import annotations

from dataclasses import replace

from genai_demo.config import display_name, settings
from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model, load_tokenizer
from genai_demo.text import chat
from genai_demo.ui.literal import plain_markdown
from genai_demo.ui.text.chat import ChatMessage, ChatState
from tests.conftest import run_page
from tests.helpers import shown_lines as _texts

PAGE = "chat.py"
MARKDOWN_REPLY = "# One\n# Two\n$x$ **bold** <i>tag</i>"


def _bubbles(at) -> list[str]:
    return [m.value for m in at.markdown]


def test_typed_and_written_text_is_shown_literally(app_env):
    history = [ChatMessage("user", "# Big *words* $E=mc^2$"), ChatMessage("assistant", MARKDOWN_REPLY)]
    at = run_page(PAGE, state={"chat_state": ChatState(history)})
    assert not at.exception
    shown = _bubbles(at)
    assert "\\# Big \\*words\\* \\$E=mc^2\\$" in shown
    # Every '#', '$', '*' and '<' is escaped, so no heading, formula, bold or tag is drawn.
    assert "\\# One  \n\\# Two  \n\\$x\\$ \\*\\*bold\\*\\* \\<i\\>tag\\</i\\>" in shown


def test_a_link_reproduces_the_setup_and_the_reply(app_env, tiny_chat_dir):
    link = {"chat_system": "Answer like a pirate.", "chat_temperature": "0.7", "chat_seed": "4",
            "chat_reply_tokens": "10", "chat_show_template": "true"}
    at = run_page(PAGE, link=link)
    assert not at.exception
    assert at.text_area(key="chat_system").value == "Answer like a pirate."
    assert at.toggle(key="chat_show_template").value is True
    at.chat_input(key="chat_input").set_value("Hello").run()
    reply = at.session_state["chat_state"].history[-1]
    lm = load_model(kinds.CHAT, str(tiny_chat_dir))
    prompt = chat.build_prompt(lm, "Answer like a pirate.", [{"role": "user", "content": "Hello"}], 10)
    sampling = replace(chat.DEFAULT_SETTINGS, temperature=0.7, max_new_tokens=10, seed=4)
    last = None
    for last in chat.stream_reply(lm, prompt, sampling):
        pass
    assert reply.content == (last.texts[0].strip() or "(the model ended its turn without writing anything)")
    assert reply.prompt_text == prompt.text


def test_bad_link_values_get_a_notice(app_env):
    at = run_page(PAGE, link={"chat_reply_tokens": "100000", "chat_temperature": "warm"})
    assert not at.exception
    toasts = "\n".join(str(t.value) for t in at.toast)
    assert "is used" in toasts and "is not a number" in toasts
    assert at.slider(key="chat_reply_tokens").value == at.slider(key="chat_reply_tokens").max


def test_pastes_over_the_limit_are_cut_with_a_notice(app_env):
    at = run_page(PAGE)
    at.text_area(key="chat_system").input("Be brief. " * 400).run()
    assert len(at.text_area(key="chat_system").value) == 2_000
    assert any("the first 2,000 are kept" in c.value for c in at.caption)
    at.slider(key="chat_reply_tokens").set_value(8)
    limit = settings().limits.max_prompt_chars // 4
    at.chat_input(key="chat_input").set_value("rain " * 2_000).run()  # 10,000 characters
    assert not at.exception
    assert any(f"the first {limit:,} were sent" in i.value for i in at.info)
    # Even cut, 1,000 tokens of rain and a reply do not fit the tiny model's window: it says so plainly.
    assert any("window" in w.value and "Shorten" in w.value for w in at.warning)


def test_the_conversation_and_settings_survive_a_visit_to_another_page(app_env):
    at = run_page(PAGE)
    at.slider(key="chat_reply_tokens").set_value(8)
    at.chat_input(key="chat_input").set_value("Hello").run()
    at.switch_page("pages/perceptron.py").run()
    at.switch_page(f"pages/{PAGE}").run()
    assert not at.exception
    assert at.slider(key="chat_reply_tokens").value == 8
    assert [m.role for m in at.session_state["chat_state"].history] == ["user", "assistant"]
    assert "Hello" in _bubbles(at)


def test_a_reply_cut_at_the_length_limit_says_so_and_one_that_ended_its_turn_does_not(app_env):
    at = run_page(PAGE)
    at.slider(key="chat_reply_tokens").set_value(8)
    at.chat_input(key="chat_input").set_value("Hello").run()
    assert at.session_state["chat_state"].history[-1].cut_at == 8  # the random model never ends its turn in 8
    assert "Cut at the reply length limit (8 tokens)" in _texts(at.caption)
    at.run()  # the note stays with its message
    assert "Cut at the reply length limit (8 tokens)" in _texts(at.caption)
    ended = ChatMessage("assistant", "Paris.", cut_at=None)
    at = run_page(PAGE, state={"chat_state": ChatState(history=[ChatMessage("user", "Capital?"), ended])})
    assert "Cut at the reply length limit" not in _texts(at.caption)


def test_a_tiny_llama_answers_beside_the_chat_model(app_env, tiny_llama_dir):
    app_env.setenv("GENAI_TEXT_MODEL", str(tiny_llama_dir))
    settings.cache_clear()
    at = run_page(PAGE, link={"chat_compare": "true", "chat_reply_tokens": "8"})
    at.chat_input(key="chat_input").set_value("What's the weather like today?").run()
    assert not at.exception
    reply = at.session_state["chat_state"].history[-1]
    assert reply.base_reply and reply.content


def test_chat_streams_a_reply_and_shows_what_the_model_reads(app_env, tiny_chat_dir):
    at = run_page("chat.py")
    assert not at.exception
    at.slider(key="chat_reply_tokens").set_value(8)
    at.toggle(key="chat_show_template").set_value(True)
    at.chat_input(key="chat_input").set_value("What's the weather like today?").run()
    assert not at.exception
    history = at.session_state["chat_state"].history
    assert [m.role for m in history] == ["user", "assistant"]
    assert history[1].content
    tokenizer = load_tokenizer(str(tiny_chat_dir))
    expected = tokenizer.apply_chat_template(
        [{"role": "system", "content": at.text_area(key="chat_system").value},
         {"role": "user", "content": "What's the weather like today?"}],
        tokenize=False, add_generation_prompt=True)
    # The template text on screen is the one that was tokenized and fed.
    assert at.code[0].value == expected == history[1].prompt_text
    assert history[1].prompt_ids == tokenizer(expected, add_special_tokens=False)["input_ids"]
    assert f"({len(history[1].prompt_ids)} tokens)" in at.expander[-1].label

    at.button(key="chat_clear").click().run()
    assert at.session_state["chat_state"].history == []
    at.run()  # a rerun after clearing shows an empty chat
    assert not at.exception and not at.chat_message and at.session_state["chat_state"].history == []


def test_chat_with_gpt2_side_by_side(app_env):
    at = run_page("chat.py")
    at.slider(key="chat_reply_tokens").set_value(8)
    at.toggle(key="chat_compare").set_value(True)
    at.chat_input(key="chat_input").set_value("Hello").run()
    assert not at.exception
    reply = at.session_state["chat_state"].history[-1]
    assert reply.base_reply
    # The comparison names the text model actually loaded (here the test's folder), not "GPT-2".
    name = plain_markdown(display_name(settings().text_model))
    assert name == "tiny\\-gpt2"
    assert any(name in m.value and "no chat template" in m.value for m in at.markdown)


def test_a_message_sent_while_a_reply_streams_is_answered_after_it_not_dropped(app_env):
    # A second message during a reply restarts the page script mid-reply: the first message is then
    # still waiting (this state), and the new run must answer it before the new one.
    at = run_page("chat.py", state={"chat_state": ChatState(pending=["What is the capital of France?"])})
    at.slider(key="chat_reply_tokens").set_value(8)
    at.chat_input(key="chat_input").set_value("And of Spain?").run()
    assert not at.exception
    history = at.session_state["chat_state"].history
    assert [(m.role, m.content) for m in history if m.role == "user"] == [
        ("user", "What is the capital of France?"), ("user", "And of Spain?")]
    assert [m.role for m in history] == ["user", "assistant", "user", "assistant"]
    assert at.session_state["chat_state"].pending == []


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
