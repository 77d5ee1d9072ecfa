"""End to end: a page's setup lives in its link, survives reloads and visits, and presenter mode with it."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser import browser_page, chromium_path, running_app, wait_until_rendered

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is required in CI for the browser tests (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


def _params(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _slider_value(page, label: str) -> str:
    return page.get_by_role("slider", name=label).input_value()


@pytest.fixture(scope="module")
def app(tmp_path_factory, tiny_gpt2_dir, tiny_chat_dir):
    """The app with the tiny GPT-2 as its text model (the tokenizer page reads its tokenizer) and a chat model."""
    env = {"HF_HOME": str(tmp_path_factory.mktemp("hf-home")), "GENAI_TEXT_MODEL": str(tiny_gpt2_dir),
           "GENAI_CHAT_MODEL": str(tiny_chat_dir)}
    with running_app(env=env) as app:
        yield app


def test_a_link_sets_up_the_page_and_the_address_bar_follows_the_knobs(app):
    with browser_page(1280, 720) as page:
        page.goto(f"{app.url}/activations?activations_x=-1.5&presenter=true")
        wait_until_rendered(page)
        assert _slider_value(page, "Input (the weighted sum)") == "-1.5"
        assert page.get_by_role("switch", name="Presenter mode").is_checked()

        page.get_by_role("slider", name="Input (the weighted sum)").press("ArrowRight")
        page.wait_for_function("() => location.search.includes('activations_x=-1.45')")
        wait_until_rendered(page)

        # Another page keeps presenter mode; coming back restores the knob and writes it into the link again.
        page.get_by_role("link", name="Perceptron").first.click()
        page.wait_for_url("**/perceptron**")
        wait_until_rendered(page)
        assert _params(page).get("presenter") == ["true"]
        page.get_by_role("link", name="Activations").first.click()
        page.wait_for_url("**/activations**")
        wait_until_rendered(page)
        assert _slider_value(page, "Input (the weighted sum)") == "-1.45"
        page.wait_for_function("() => location.search.includes('activations_x=-1.45')")

        # A reload (a new session) starts from the link, not from the defaults.
        page.reload()
        wait_until_rendered(page)
        assert _slider_value(page, "Input (the weighted sum)") == "-1.45"
        assert page.get_by_role("switch", name="Presenter mode").is_checked()


def test_copy_link_puts_the_current_setup_on_the_clipboard(app):
    with browser_page(1280, 720) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.goto(f"{app.url}/activations?activations_x=2.5")
        wait_until_rendered(page)
        page.get_by_role("button", name="Copy link").click()
        page.get_by_role("button", name="Link copied").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert urlparse(copied).path.endswith("/activations")
        assert parse_qs(urlparse(copied).query)["activations_x"] == ["2.5"]


def test_a_corrected_or_unknown_link_value_leaves_the_address_holding_what_the_page_uses(app):
    with browser_page(1280, 720) as page:
        page.goto(f"{app.url}/activations?activations_x=1e9")
        wait_until_rendered(page)
        assert _slider_value(page, "Input (the weighted sum)") == "3"
        assert _params(page)["activations_x"] == ["3.0"]  # not a bare address: a copied link holds 3.0
        page.goto(f"{app.url}/activations?activations_bogus=1&presenter=maybe")
        wait_until_rendered(page)
        notes = " ".join(page.locator("[data-testid='stToast']").all_inner_texts())
        assert "'activations_bogus'" in notes and "presenter='maybe' is neither on nor off" in notes
        assert "activations_bogus" not in _params(page) and "presenter" not in _params(page)


def test_an_emptied_text_box_stays_empty_through_a_visit_and_a_reload(app):
    with browser_page(1280, 720) as page:
        page.goto(f"{app.url}/tokenizer")
        wait_until_rendered(page)
        page.get_by_role("textbox", name="Your text").fill("")
        page.locator("h1").first.click()  # the learner clicks away: the box sends its value
        page.wait_for_timeout(300)
        wait_until_rendered(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        for step in ("visit", "reload"):
            if step == "visit":
                sidebar.get_by_text("Text generation").click()
                page.wait_for_timeout(300)
                wait_until_rendered(page)
                sidebar.get_by_text("Tokenizer").click()
            else:
                page.reload()
            page.wait_for_timeout(300)
            wait_until_rendered(page)
            assert page.get_by_role("textbox", name="Your text").input_value() == "", step
            assert page.get_by_text("Type or paste some text above").count() == 1, step
            assert page.locator("[data-testid='stMetric']").count() == 0, step  # no counts of the default text


def _px(page, selector: str) -> float:
    return float(page.evaluate(f"() => getComputedStyle(document.querySelector({selector!r})).fontSize")[:-2])


def test_presenter_mode_enlarges_what_a_learner_types_and_reads_on_every_kind_of_page(app):
    """Text boxes, widget labels and the 'Try this' line grow with the page (they stayed 14-16 px), and the
    chat page, whose body Streamlit lays out in another container, grows too (it did not at all)."""
    with browser_page(1280, 720) as page:
        for slug in ("text_generation", "chat"):
            page.goto(f"{app.url}/{slug}?presenter=true")
            wait_until_rendered(page)
            assert _px(page, "[data-testid='stMainBlockContainer'] [data-testid='stMarkdownContainer'] p") >= 18, slug
            assert _px(page, "[data-testid='stMainBlockContainer'] [data-testid='stWidgetLabel'] p") >= 17, slug
            assert _px(page, "[data-testid='stMainBlockContainer'] textarea") >= 17, slug
            try_this = page.get_by_text("Try this:").first.locator("xpath=..")
            assert float(try_this.evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 18, slug
