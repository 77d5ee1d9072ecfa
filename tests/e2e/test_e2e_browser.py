"""End to end: the real server (`streamlit run app.py`) opened in headless Chromium."""

from __future__ import annotations

import os

import pytest

from tests.browser import browser_page, chromium_path, process_has_loaded, running_app, wait_until_rendered

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is required in CI for the browser tests (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def offline_app(tmp_path_factory):
    """The app as a learner starts it offline with nothing downloaded: default model ids, empty cache."""
    home = tmp_path_factory.mktemp("empty-hf-home")
    env = {"HF_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.update({name: "" for name in os.environ if name.startswith("GENAI_")})
    with running_app(env=env) as app:
        yield app


def test_home_page_renders_in_chromium_without_errors_or_torch(offline_app):
    with browser_page(1280, 720) as page:
        page.goto(offline_app.url)
        wait_until_rendered(page)
        assert page.locator("h1").first.inner_text() == "Generative AI, hands on"
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.get_by_text("A map of this app").count() == 1
        assert page.get_by_text("Running on").count() >= 1
    # The home page stays light: the server has not loaded torch just to show it.
    assert not process_has_loaded(offline_app.pid, "libtorch")


def test_a_model_page_offline_shows_the_fetch_command_not_a_traceback(offline_app):
    with browser_page(1280, 720) as page:
        page.goto(f"{offline_app.url}/text_generation")
        wait_until_rendered(page)
        body = page.locator("[data-testid='stMain']").inner_text()
        assert "not downloaded yet" in body
        assert "python -m genai_demo prefetch text" in body
        assert page.locator("[data-testid='stException']").count() == 0
        assert "Traceback" not in body
        # The rest of the app keeps working in the same session.
        page.goto(f"{offline_app.url}/perceptron")
        wait_until_rendered(page)
        assert page.locator("[data-testid='stException']").count() == 0


def test_a_deep_link_opened_first_after_a_restart_still_gets_the_apps_menu_and_sidebar(tmp_path):
    with running_app(env={"HF_HOME": str(tmp_path)}) as app, browser_page(1280, 720) as page:
        page.goto(f"{app.url}/perceptron")  # the very first request to this server
        wait_until_rendered(page)
        assert page.locator("h1").first.inner_text().startswith("Perceptron")
        links = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']").all_inner_texts()
        assert any("Start here" in link for link in links)  # the app's titles, not file names
        assert page.get_by_text("Presenter mode").count() == 1


def _generate_in_browser(page, prompt: str, frames: list[int]) -> None:
    box = page.get_by_role("textbox", name="Prompt")
    box.fill(prompt)
    box.press("Control+Enter")
    wait_until_rendered(page)
    frames.clear()
    page.get_by_role("button", name="Generate").click()
    page.wait_for_timeout(300)
    wait_until_rendered(page)


def test_a_50000_character_prompt_is_cut_and_the_next_run_carries_none_of_it(tiny_gpt2_dir):
    env = {"GENAI_TEXT_MODEL": str(tiny_gpt2_dir), "HF_HUB_OFFLINE": "1"}
    sent: list[int] = []
    with running_app(env=env) as app, browser_page(1280, 720) as page:
        page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
        page.goto(f"{app.url}/text_generation?text_generation_max_new_tokens=6")
        wait_until_rendered(page)
        _generate_in_browser(page, "Once upon a time", sent)
        dom_before = page.evaluate("document.getElementsByTagName('*').length")
        _generate_in_browser(page, "Stars and planets drift in the dark. " * 1352, sent)  # 50,024 characters
        limit = 20_000  # the full deployment's prompt limit: the box keeps this much and says so
        assert len(page.get_by_role("textbox", name="Prompt").input_value()) == limit
        assert page.get_by_text(f"the first {limit:,} are kept").count() == 1
        _generate_in_browser(page, "Once upon a time, again", sent)
        # The short prompt's run sends only small messages: the long text is not carried along.
        assert max(sent) < 10_000
        assert page.evaluate("document.getElementsByTagName('*').length") <= dom_before * 1.1
        assert page.locator("[data-testid='stException']").count() == 0
        assert "Once upon a time, again" in page.locator(".st-key-text_generation_output").inner_text()


def test_the_sound_pages_open_offline_with_their_title_and_the_prefetch_audio_command(offline_app):
    with browser_page(1280, 720) as page:
        for slug, title in (("text_to_speech", "Text to speech"), ("text_to_music", "Text to music")):
            page.goto(f"{offline_app.url}/{slug}")
            wait_until_rendered(page)
            assert page.locator("h1").first.inner_text() == title
            body = page.locator("[data-testid='stMain']").inner_text()
            assert "python -m genai_demo prefetch audio" in body
            assert page.locator("[data-testid='stException']").count() == 0
