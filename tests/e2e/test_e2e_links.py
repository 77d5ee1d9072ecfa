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


def test_a_link_sets_up_the_page_and_the_address_bar_follows_the_knobs(tmp_path):
    with running_app(env={"HF_HOME": str(tmp_path)}) as app, browser_page(1280, 720) as page:
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


def test_copy_link_puts_the_current_setup_on_the_clipboard(tmp_path):
    with running_app(env={"HF_HOME": str(tmp_path)}) as app, browser_page(1280, 720) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.goto(f"{app.url}/activations?activations_x=2.5")
        wait_until_rendered(page)
        page.get_by_role("button", name="Copy link").click()
        page.get_by_role("button", name="Link copied").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert urlparse(copied).path.endswith("/activations")
        assert parse_qs(urlparse(copied).query)["activations_x"] == ["2.5"]
