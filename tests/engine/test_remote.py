"""genai_demo.engine.remote on a real OpenAI-compatible serving engine (`transformers serve` on loopback):
the library, then the text pages, then a real browser.

The tiny chat model is served from a folder; the app loads only its tokenizer, writes through the
server, and must give the same greedy text as the same weights inside the app.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from genai_demo.config import settings
from genai_demo.engine import kinds
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.loader import load_model
from genai_demo.engine.remote import IGNORED_KNOBS_NOTICE, load_remote_text_model
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.engine.writer import TextWriter, Written
from genai_demo.text import chat
from genai_demo.text.generation import (
    generate,
    generate_texts,
    missing_numbers,
    next_token_distribution,
    token_confidences,
)
from genai_demo.text.instruct import user_turn
from tests import tiny_models
from tests.browser import browser_page, chromium_path, free_port, running_app, wait_until_rendered
from tests.conftest import reset_app_state, run_page
from tests.helpers import point_at_server
from tests.text_server import sample_by_default, text_server

PROMPT = "The three primary colors are"
SECRET = "sk-never-show-this-123"


@pytest.fixture(scope="session")
def served_dir(model_dir: Path) -> Path:
    return sample_by_default(tiny_models.write_tiny_gpt2(model_dir / "served-chat", chat=True, seed=2))


@pytest.fixture(scope="session")
def server_url(served_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    with text_server(served_dir, tmp_path_factory.mktemp("server") / "serve.log") as url:
        yield url


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, server_url: str, served_dir: Path):
    point_at_server(monkeypatch, server_url, str(served_dir))
    yield load_remote_text_model(settings().text_server)
    reset_app_state()


@pytest.fixture
def served_app(app_env, server_url: str, served_dir: Path):
    point_at_server(app_env, server_url, str(served_dir))
    return app_env


def _down_url() -> str:
    return f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there


# --- the library against the server ------------------------------------------------------------


def test_columns_stream_from_the_server_each_with_its_own_knobs_and_seed(served, served_dir):
    greedy = SamplingSettings(temperature=0.0, max_new_tokens=6)
    sampled = SamplingSettings(temperature=1.2, top_k=40, top_p=1.0, max_new_tokens=6, seed=7)
    updates = list(generate(served, PROMPT, [greedy, sampled]))
    last = updates[-1]
    assert last.done and all(last.texts)
    # Streamed: the texts grew over several updates, not in one answer.
    assert len({tuple(u.texts) for u in updates}) > 2
    # The greedy column is exactly what the same weights write inside the app.
    local = load_model(kinds.TEXT, str(served_dir))
    assert last.texts[0] == generate_texts(local, PROMPT, [greedy])[0]
    assert last.texts[1] != last.texts[0]
    # The same seed gives the same sampled text; another seed another text.
    assert generate_texts(served, PROMPT, [sampled])[0] == last.texts[1]
    other = SamplingSettings(temperature=1.2, top_p=1.0, max_new_tokens=6, seed=8)
    assert generate_texts(served, PROMPT, [other])[0] != last.texts[1]
    # transformers serve refuses top-k: the column says which knobs did not reach the server.
    assert IGNORED_KNOBS_NOTICE in last.prompt.notices
    # The ids shown are the text in the served model's own tokenizer.
    assert last.token_ids[0] == served.tokenizer(last.texts[0], add_special_tokens=False)["input_ids"]


def test_chat_reply_streams_from_the_server_with_the_same_template(served, served_dir):
    prompt = chat.build_prompt(served, "You are a helpful assistant.", [{"role": "user", "content": "Hi there"}], 6)
    assert prompt.text.endswith("<|im_start|>assistant\n")
    sampling = SamplingSettings(temperature=0.0, max_new_tokens=6)
    updates = list(chat.stream_reply(served, prompt, sampling))
    assert len(updates) > 1 and updates[-1].done and updates[-1].texts[0]
    local = load_model(kinds.CHAT, str(served_dir))
    local_prompt = chat.build_prompt(local, "You are a helpful assistant.",
                                     [{"role": "user", "content": "Hi there"}], 6)
    assert local_prompt.token_ids == prompt.token_ids
    local_reply = list(chat.stream_reply(local, local_prompt, sampling))[-1].texts[0]
    assert updates[-1].texts[0] == local_reply


def test_the_served_model_is_a_text_writer_without_the_weights(served, served_dir):
    assert isinstance(served, TextWriter)
    assert not served.has_weights and "serving engine" in served.describe()
    assert not hasattr(served, "device") and not hasattr(served, "dtype")  # no made-up device to print
    local = load_model(kinds.TEXT, str(served_dir))
    assert isinstance(local, TextWriter) and local.has_weights
    ids = served.encode(PROMPT)
    assert ids == local.encode(PROMPT) and served.decode(ids) == PROMPT and served.pieces(ids) == local.pieces(ids)
    greedy = SamplingSettings(temperature=0.0, max_new_tokens=5)
    parts = list(served.generate(ids, [greedy], [5]))
    assert len(parts) > 1 and all(isinstance(part, Written) for part in parts) and parts[-1].finished == [True]
    assert parts[-1].token_ids[0] == served.encode(parts[-1].texts[0])
    # The same contract, the same text: the server and the weights inside the app write alike.
    assert parts[-1].texts == list(local.generate(ids, [greedy], [5]))[-1].texts


def test_a_server_that_sends_no_scores_is_seen_to_and_the_views_say_what_is_missing(served):
    # `transformers serve` takes no token ids as a prompt and ignores `logprobs`: asked once, it is known.
    assert served.has_scores and missing_numbers(served) is None
    with pytest.raises(ModelUnavailable) as caught:
        next_token_distribution(served, PROMPT)
    assert caught.value.title == "The text server sends no scores" and "llama-server" in caught.value.fix
    assert not served.has_scores and "probability of each candidate token" in missing_numbers(served)
    with pytest.raises(ModelUnavailable):
        token_confidences(served, PROMPT, " red")


def test_writing_without_scores_is_seen_too(served):
    greedy = SamplingSettings(temperature=0.0, max_new_tokens=4)
    last = list(generate(served, PROMPT, [greedy]))[-1]
    assert last.texts[0] and last.scores is None  # ids from the text itself, as before
    assert last.token_ids[0] == served.encode(last.texts[0])
    assert not served.has_scores  # the next-token views now say so without asking again


def test_a_server_that_is_down_gives_a_plain_error_without_the_key(monkeypatch, served_dir):
    url = _down_url()
    point_at_server(monkeypatch, url, str(served_dir), key=SECRET)
    lm = load_remote_text_model(settings().text_server)
    with pytest.raises(ModelUnavailable) as caught:
        generate_texts(lm, PROMPT, [SamplingSettings(max_new_tokens=3)])
    error = caught.value
    assert error.title == "The text server does not answer"
    assert url in error.reason and "GENAI_TEXT_SERVER" in error.fix
    assert SECRET not in f"{error} {error.reason} {error.fix} {settings()!r} {lm!r}"
    reset_app_state()


def test_a_server_error_is_reported_with_the_servers_own_words(monkeypatch, server_url, served_dir, tmp_path):
    # The same tokenizer under another name: the server, pinned to its own model, refuses the request.
    other = tmp_path / "another-model"
    shutil.copytree(served_dir, other)
    point_at_server(monkeypatch, server_url, str(other))
    lm = load_remote_text_model(settings().text_server)
    with pytest.raises(ModelUnavailable) as caught:
        list(generate(lm, PROMPT, [SamplingSettings(max_new_tokens=3)]))
    assert caught.value.title == "The text server refused the request"
    assert "answered 400" in caught.value.reason and "pinned" in caught.value.reason
    reset_app_state()


def test_a_served_model_without_its_tokenizer_here_is_explained(monkeypatch, server_url, tmp_path):
    point_at_server(monkeypatch, server_url, str(tmp_path / "not-here"))
    with pytest.raises(ModelUnavailable) as caught:
        load_remote_text_model(settings().text_server)
    assert caught.value.title == "The served model's tokenizer is not here"
    assert "GENAI_TEXT_SERVER_MODEL" in caught.value.fix
    reset_app_state()


def test_settings_refuse_a_server_without_a_model_name(monkeypatch):
    monkeypatch.setenv("GENAI_TEXT_SERVER", "http://127.0.0.1:9/v1")
    monkeypatch.delenv("GENAI_TEXT_SERVER_MODEL", raising=False)
    reset_app_state()
    with pytest.raises(ValueError, match="GENAI_TEXT_SERVER_MODEL"):
        settings()
    reset_app_state()


# --- the pages against the server --------------------------------------------------------------


def test_text_page_writes_its_columns_through_the_server(served_app):
    at = run_page("text_generation.py")
    assert not at.exception
    at.slider(key="text_generation_max_new_tokens").set_value(5)
    at.button(key="text_generation_generate").click().run()
    assert not at.exception
    result = at.session_state["text_generation_state"].result
    assert len(result.texts) == 2 and all(result.texts)
    served = load_remote_text_model(settings().text_server)
    # What the model read (the prompt as a user turn where the served model has a chat template).
    assert result.texts[0] == generate_texts(served, result.context, [result.knobs[0]])[0]
    infos = " ".join(i.value for i in at.info)
    assert "sends back the words it writes but not the model's scores" in infos
    assert not at.get("vega_lite_chart")  # no probability chart of numbers the server never sent


def test_chat_page_talks_to_the_server(served_app):
    at = run_page("chat.py")
    at.slider(key="chat_reply_tokens").set_value(8)
    at.chat_input(key="chat_input").set_value("What's the weather like today?").run()
    assert not at.exception
    history = at.session_state["chat_state"].history
    assert [m.role for m in history] == ["user", "assistant"]
    served = load_remote_text_model(settings().text_server)
    prompt = chat.build_prompt(served, at.text_area(key="chat_system").value, [history[0].turn()], 8)
    assert history[1].prompt_ids == prompt.token_ids
    sampling = SamplingSettings(temperature=0.0, top_k=50, top_p=0.95, max_new_tokens=8)
    assert history[1].content == list(chat.stream_reply(served, prompt, sampling))[-1].texts[0].strip()


def test_rag_answers_come_from_the_server(served_app):
    at = run_page("embeddings.py")
    question = at.text_input(key="embeddings_question").value
    rag_prompt = next(code.value for code in at.code if question in code.value)  # the exact text the model reads
    at.button(key="embeddings_go").click().run()
    assert not at.exception
    answers = at.session_state["embeddings_state"].answers
    assert answers.with_context.tokens and answers.without.tokens  # both written by the server
    assert "Question:" in rag_prompt


def test_pages_show_the_panel_when_the_server_is_down(app_env, served_dir):
    point_at_server(app_env, _down_url(), str(served_dir))
    at = run_page("text_generation.py")
    at.button(key="text_generation_generate").click().run()
    assert not at.exception
    assert any("The text server does not answer" in e.value for e in at.error)
    at = run_page("chat.py")
    at.chat_input(key="chat_input").set_value("Hello").run()
    assert not at.exception
    assert any("The text server does not answer" in e.value for e in at.error)
    at = run_page("embeddings.py")
    at.button(key="embeddings_go").click().run()
    assert not at.exception
    assert any("The text server does not answer" in e.value for e in at.error)


# --- a real browser ----------------------------------------------------------------------------


@pytest.mark.skipif(chromium_path() is None and not os.environ.get("CI"), reason="Chromium is not installed")
def test_text_studio_and_chat_in_chromium_through_the_server(served, server_url, served_dir, tiny_gpt2_dir):
    env = {"GENAI_TEXT_SERVER": server_url, "GENAI_TEXT_SERVER_MODEL": str(served_dir),
           "GENAI_TEXT_MODEL": str(tiny_gpt2_dir)}
    greedy = SamplingSettings(temperature=0.0, max_new_tokens=40)
    expected_text = generate_texts(served, user_turn(served.tokenizer, "What's the weather like today?"), [greedy])[0]
    question = "What is the capital of France?"
    prompt = chat.build_prompt(served, chat.DEFAULT_SYSTEM_PROMPT, [{"role": "user", "content": question}],
                               chat.DEFAULT_SETTINGS.max_new_tokens)
    expected_reply = list(chat.stream_reply(served, prompt, chat.DEFAULT_SETTINGS))[-1].texts[0].strip()
    with running_app(env=env) as app, browser_page(1280, 720) as page:
        page.goto(f"{app.url}/text_generation")
        wait_until_rendered(page)
        page.get_by_role("button", name="Generate").first.click()
        page.get_by_text("Confidence view").wait_for(timeout=120_000)
        wait_until_rendered(page)
        body = page.locator("[data-testid='stMain']").inner_text()
        assert page.locator("[data-testid='stException']").count() == 0
        assert expected_text.split()[0] in body
        page.get_by_role("tab", name="Next-token view").click()
        # The notice of what the server does not send is in the tab the learner opened.
        page.get_by_text("but not the model's scores").locator("visible=true").first.wait_for(timeout=10_000)

        page.goto(f"{app.url}/chat")
        wait_until_rendered(page)
        box = page.locator("[data-testid='stChatInputTextArea']")
        box.fill(question)
        box.press("Enter")
        page.locator("[data-testid='stChatMessage']").nth(1).wait_for(timeout=120_000)
        wait_until_rendered(page)
        assert page.locator("[data-testid='stException']").count() == 0
        reply = page.locator("[data-testid='stChatMessage']").nth(1).inner_text()
        assert expected_reply.split()[0] in reply
