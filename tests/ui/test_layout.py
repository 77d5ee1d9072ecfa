"""genai_demo.ui.layout: presenter mode (from a link, charts and fonts a room can read), pages sent through
app.py's navigation, and the linked cards of the two overview pages."""

import json

import pytest

from genai_demo.catalogue import PAGES
from tests.conftest import ROOT, reset_app_state, run_page


def setup_function() -> None:
    reset_app_state()


def _chart_configs(at) -> list[dict]:
    return [json.loads(chart.proto.spec).get("config", {}) for chart in at.get("vega_lite_chart")]


def test_presenter_mode_from_a_link_gives_charts_projector_sized_text():
    at = run_page("activations.py", link={"presenter": "true"})
    assert not at.exception
    configs = _chart_configs(at)
    assert configs
    for config in configs:
        assert config["axis"]["labelFontSize"] >= 16 and config["legend"]["labelFontSize"] >= 16


def test_without_presenter_mode_charts_keep_the_normal_size():
    at = run_page("activations.py")
    assert all("labelFontSize" not in config.get("axis", {}) for config in _chart_configs(at))


def test_the_presenter_switch_comes_before_the_menu():
    at = run_page("home.py")
    order = [node.type for node in at.sidebar.children.values()]
    assert order[0] == "toggle" and at.sidebar.toggle(key="presenter").label == "Presenter mode"


@pytest.mark.parametrize("page", [info.file for info in PAGES])
def test_every_page_opens_in_presenter_mode_with_projector_sized_charts(app_env, page):
    at = run_page(page, link={"presenter": "true"})
    assert not at.exception, page
    for config in _chart_configs(at):
        assert config["axis"]["labelFontSize"] >= 16, page


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_presenter_mode_enlarges_fonts():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not any("font-size: 22px" in str(h.proto) for h in at.get("html"))
    at.sidebar.toggle(key="presenter").set_value(True).run()
    assert not at.exception
    assert any("font-size: 22px" in str(h.proto) for h in at.get("html"))
    assert at.title[0].value == "Generative AI, hands on"


# --- every page runs inside app.py's navigation ----------------------------------------------------


@pytest.mark.usefixtures("fresh_settings")  # settings, budget and caches reset around it
def test_a_page_opened_directly_is_sent_through_the_navigation():
    """A `pages/` folder makes Streamlit fall back to old-style multipage mode; the first run undoes it."""
    at = run_page("perceptron.py")
    assert at.sidebar.toggle(key="presenter").label == "Presenter mode"
    assert at.title[0].value.startswith("Perceptron")


# --- the linked cards of the two overview pages (applications, tools and systems) ----------------


@pytest.mark.parametrize(("page", "choice", "expected"), [
    ("applications", "Video", "image_generation"),
    ("tools_and_systems", "LangChain", "embeddings"),
])
def test_a_link_opens_the_same_entry(page, choice, expected):
    at = run_page(f"{page}.py", link={f"{page}_choice": choice})
    assert not at.exception
    assert at.subheader[0].value.endswith(choice)
    assert f'page: "{expected}"' in " ".join(str(link.proto) for link in at.main.get("page_link"))
    assert at.query_params[f"{page}_choice"] == choice


@pytest.mark.parametrize("page", ["applications", "tools_and_systems"])
def test_an_unknown_entry_in_a_link_gets_a_notice_and_the_default(page):
    at = run_page(f"{page}.py", link={f"{page}_choice": "<b>Skynet</b>"})
    assert not at.exception
    assert "not one of the options" in " ".join(str(t.value) for t in at.toast)
    assert at.subheader[0].value.endswith(("Text", "OpenAI"))


@pytest.mark.parametrize("page, key, choice, expected", [
    ("applications.py", "applications_choice", "Video", "Clip"),
    ("tools_and_systems.py", "tools_and_systems_choice", "LangChain", "retrieval"),
])
def test_overview_pages_link_each_entry_to_a_live_page(app_env, page, key, choice, expected):
    at = run_page(page, state={key: choice})
    assert not at.exception
    assert at.subheader[0].value.endswith(choice)
    assert expected in " ".join(str(link.proto) for link in at.get("page_link"))
