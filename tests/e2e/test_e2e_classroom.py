"""A class on one server: several Chromium pages press Generate at once on the real `streamlit run`.

Four learners generate on the text page and two send a chat message, all at the same time, on one server
process that holds one copy of each model. Every page must finish without an exception, and learners
with the same prompt, knobs and seed must read the same texts, however the engine batched them. How long
the slowest learner waits against one alone is measured by `benchmarks/classroom_browser.py`, not here:
a busy CI machine would make a timed test fail for nothing.
"""

from __future__ import annotations

import os
import re

import pytest

from tests.browser import browser_page, chromium_path, running_app
from tests.class_pages import (
    chat_done,
    column_texts,
    open_chat_page,
    open_text_page,
    press_generate,
    send_chat,
    shows_no_error,
    text_done,
    wait_all,
)

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is required in CI for the browser tests (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

TEXT_PAGES = 4
CHAT_PAGES = 2
TOKENS = 48  # per column; each text page writes two columns, greedy and sampled


@pytest.fixture(scope="module")
def class_server(tmp_path_factory, tiny_gpt2_dir, tiny_chat_dir):
    env = {"GENAI_TEXT_MODEL": str(tiny_gpt2_dir), "GENAI_CHAT_MODEL": str(tiny_chat_dir),
           "HF_HOME": str(tmp_path_factory.mktemp("hf-home"))}
    with running_app(env=env) as app:
        yield app


def test_a_class_pressing_generate_together_all_finish_with_the_same_texts_for_the_same_settings(class_server):
    with browser_page(1280, 720) as first:
        browser = first.context.browser
        alone = open_text_page(browser, class_server.url, TOKENS)
        wait_all([alone], [press_generate(alone)], text_done)
        texts_alone = column_texts(alone)
        assert len(texts_alone) == 2 and all(re.search(r"· \d+ tokens", text) for text in texts_alone)

        text_pages = [open_text_page(browser, class_server.url, TOKENS) for _ in range(TEXT_PAGES)]
        chat_pages = [open_chat_page(browser, class_server.url) for _ in range(CHAT_PAGES)]
        text_started = [press_generate(page) for page in text_pages]
        chat_started = [send_chat(page) for page in chat_pages]
        wait_all(text_pages, text_started, text_done)
        wait_all(chat_pages, chat_started, chat_done)

        for page in text_pages + chat_pages:
            assert shows_no_error(page)
        for page in text_pages:  # written in one batch with the others, yet the same as alone
            assert column_texts(page) == texts_alone
        for page in chat_pages:
            assert page.locator("[data-testid='stChatMessage']").nth(1).inner_text().strip()
