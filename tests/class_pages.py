"""A class in Chromium: learners' pages on one running app, pressing Generate or sending a chat message.

Used by the classroom end-to-end test (everyone finishes, the same settings give the same text) and by
`benchmarks/classroom_browser.py` (how long the slowest learner waits, against one learner alone).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.browser import wait_until_rendered

EXCEPTION = "[data-testid='stException']"
CHAT_QUESTION = "What is the capital of France?"
_COLUMNS = ".st-key-text_generation_output [data-testid='stHtml']"


def open_text_page(browser, url: str, max_new_tokens: int):
    """The text page from a teacher's link that sets Max new tokens."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{url}/text_generation?text_generation_max_new_tokens={max_new_tokens}")
    wait_until_rendered(page)
    page.wait_for_function(
        f"() => document.querySelector('input[aria-label=\"Max new tokens\"]').value === '{max_new_tokens}'")
    return page


def open_chat_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{url}/chat")
    wait_until_rendered(page)
    return page


def text_done(page) -> bool:
    """The result is in: the confidence view only appears once every column has finished."""
    return page.get_by_text("Confidence view").count() > 0


def chat_done(page) -> bool:
    return (page.locator("[data-testid='stChatMessage']").count() >= 2
            and page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").count() == 1)


def press_generate(page) -> float:
    """Click Generate; returns the click's time (perf_counter)."""
    page.get_by_role("button", name="Generate").first.click()
    return time.perf_counter()


def send_chat(page) -> float:
    """Send the chat question; returns the time it was sent (perf_counter)."""
    box = page.locator("[data-testid='stChatInputTextArea']")
    box.fill(CHAT_QUESTION)
    box.press("Enter")
    return time.perf_counter()


def wait_all(pages: list, started: list[float], done: Callable[[object], bool], timeout_s: float = 300) -> list[float]:
    """Seconds from each page's own click until its result is shown."""
    finished: list[float | None] = [None] * len(pages)
    deadline = time.monotonic() + timeout_s
    while None in finished and time.monotonic() < deadline:
        for index, page in enumerate(pages):
            if finished[index] is None and done(page):
                finished[index] = time.perf_counter() - started[index]
        pages[0].wait_for_timeout(50)
    assert None not in finished, f"pages still running after {timeout_s} s: {finished}"
    return finished  # type: ignore[return-value]  # the assert above rules out None; mypy cannot narrow a list


def column_texts(page) -> list[str]:
    """What each column of the text page shows (its note line, then the text), as the learner reads it."""
    return [text for box in page.locator(_COLUMNS).all() if (text := box.inner_text().strip())]


def shows_no_error(page) -> bool:
    return (page.locator(EXCEPTION).count() == 0
            and "Traceback" not in page.locator("[data-testid='stMainBlockContainer']").inner_text())
