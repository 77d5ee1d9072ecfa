"""Presenter mode: reachable from a link, and charts a room can read."""

import json

import pytest

from genai_demo.catalogue import PAGES
from tests.conftest import reset_app_state, run_page


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
