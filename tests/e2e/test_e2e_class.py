"""End to end: a teacher's projector and several learners' Chromium pages on one real `streamlit run`.

The learners join from the join link, generate the class prompt at their own temperatures, and the projector
shows their texts within seconds without a reload; a learner's name full of HTML and Markdown shows as
typed; a learner finds no teacher controls; the server restarts and the class and a learner's chat are still
there (the learner's browser keeps its id in a cookie).
"""

from __future__ import annotations

import os
import re

import pytest

from genai_demo.classroom.store import ClassStore
from tests.browser import browser_page, chromium_path, running_app, wait_until_rendered
from tests.class_pages import send_chat, shows_no_error
from tests.helpers import CLASS_PROMPT, class_with_teacher

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is required in CI for the browser tests (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

LEARNERS = 3
TEMPERATURES = (0.0, 0.7, 1.4)
HOSTILE_NAME = "<script>window.x=1</script>#h"


def _class_caption(page) -> str:
    return page.locator("[data-testid='stMainBlockContainer']").inner_text()


def _join_and_generate(browser, url: str, code: str, temperature: float):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{url}/text_generation?class={code}&text_generation_max_new_tokens=8&text_generation_columns=1"
              f"&text_generation_temperature_0={temperature}")
    wait_until_rendered(page)
    page.get_by_role("button", name="Use the class prompt").click()
    page.wait_for_function(f"() => document.querySelector('textarea[aria-label=\"Prompt\"]').value === "
                           f"{CLASS_PROMPT!r}")
    wait_until_rendered(page)
    page.get_by_role("button", name="Generate").first.click()
    return page


def test_a_class_on_the_projector_live_and_after_a_restart(tmp_path, tiny_gpt2_dir, tiny_chat_dir):
    data = tmp_path / "data"
    env = {"GENAI_TEXT_MODEL": str(tiny_gpt2_dir), "GENAI_CHAT_MODEL": str(tiny_chat_dir),
           "GENAI_DATA_DIR": str(data), "HF_HOME": str(tmp_path / "hf-home")}
    data.mkdir()
    store = ClassStore(f"sqlite:///{data / 'class.db'}")
    made, _ = class_with_teacher(store, text_prompt=CLASS_PROMPT)
    with browser_page(1280, 720) as projector:
        with running_app(env=env) as app:
            projector.goto(f"{app.url}/class_room?class={made.code}&teacher={made.teacher_key}")
            wait_until_rendered(projector)
            assert "teacher=" not in projector.url  # the key left the address at once
            assert "Teacher controls" in _class_caption(projector)
            browser = projector.context.browser

            learners = [_join_and_generate(browser, app.url, made.code, t) for t in TEMPERATURES]
            for page in learners:
                page.wait_for_function("() => document.body.innerText.includes('Confidence view')",
                                       timeout=120_000)
                assert shows_no_error(page)
            # The projector refreshes itself: every learner's text arrives with no reload.
            arrived = f"{LEARNERS} learners · {LEARNERS} texts"
            projector.wait_for_function(f"() => document.body.innerText.includes({arrived!r})", timeout=10_000)
            entries = store.entries(made.code, ("text",))
            assert sorted(e.settings["temperature"] for e in entries) == sorted(TEMPERATURES)
            for entry in entries:  # each learner's card, name and text
                projector.wait_for_function(f"() => document.body.innerText.includes({entry.name!r})",
                                            timeout=10_000)

            # A learner's name full of HTML and Markdown shows as typed, and runs nothing.
            hostile = entries[0].learner
            store.rename(made.code, hostile, HOSTILE_NAME)
            learners[0].get_by_role("button", name="Generate").first.click()
            projector.wait_for_function(f"() => document.body.innerText.includes({HOSTILE_NAME!r})",
                                        timeout=60_000)
            assert projector.evaluate("() => window.x") is None
            assert projector.locator("[data-testid='stMainBlockContainer'] h1").count() == 1  # '#h' is no heading

            # A learner on the Class page finds no teacher controls.
            learners[1].goto(f"{app.url}/class_room?class={made.code}")
            wait_until_rendered(learners[1])
            assert "Teacher controls" not in _class_caption(learners[1])
            assert learners[1].get_by_role("button", name="Clear the class").count() == 0

            # A learner's chat, in the same browser as their class page.
            chat = learners[2]
            chat.goto(f"{app.url}/chat?class={made.code}")
            wait_until_rendered(chat)
            send_chat(chat)
            chat.wait_for_function("() => document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= 2",
                                   timeout=120_000)
            wait_until_rendered(chat)  # the reply has finished streaming
            reply = chat.locator("[data-testid='stChatMessage']").nth(1).inner_text().strip()
            assert reply

            # The server restarts on the same database, at the same address: everything is still there.
            port = int(app.url.rsplit(":", 1)[1])  # the learners' other pages stay open and reconnect on their own
        with running_app(env=env, port=port) as app:
            projector.goto(f"{app.url}/class_room?class={made.code}")
            wait_until_rendered(projector)
            projector.wait_for_function(f"() => document.body.innerText.includes({HOSTILE_NAME!r})",
                                        timeout=20_000)
            assert re.search(rf"{LEARNERS} learners · {LEARNERS} texts", _class_caption(projector))
            chat.goto(f"{app.url}/chat")  # the learner's own browser, after the restart: its cookie finds the chat
            chat.wait_for_function("() => document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= 2",
                                   timeout=120_000)  # after the chat model has loaded again
            messages = chat.locator("[data-testid='stChatMessage']")
            assert messages.count() == 2 and messages.nth(1).inner_text().strip() == reply
    store.close()
