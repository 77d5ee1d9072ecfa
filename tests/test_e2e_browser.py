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
        links = page.locator("[data-testid='stSidebarNavLink']").all_inner_texts()
        assert any("Start here" in link for link in links)  # the app's titles, not file names
        assert page.get_by_text("Presenter mode").count() == 1


def test_the_sound_pages_open_offline_with_their_title_and_the_prefetch_audio_command(offline_app):
    with browser_page(1280, 720) as page:
        for slug, title in (("text_to_speech", "Text to speech"), ("text_to_music", "Text to music")):
            page.goto(f"{offline_app.url}/{slug}")
            wait_until_rendered(page)
            assert page.locator("h1").first.inner_text() == title
            body = page.locator("[data-testid='stMain']").inner_text()
            assert "python -m genai_demo prefetch audio" in body
            assert page.locator("[data-testid='stException']").count() == 0
