"""The app draws charts without Altair's schema check (for speed); the tests keep the check on."""

import json

import altair as alt
import pandas as pd
import pytest

from genai_demo.ui import charts
from tests.conftest import reset_app_state, run_page


def setup_function() -> None:
    reset_app_state()


def _sent_charts(at) -> list[tuple[dict, list[bytes]]]:
    """What reaches the browser for each chart: the spec and its datasets."""
    return [(json.loads(chart.proto.spec), [d.data.data for d in chart.proto.datasets])
            for chart in at.get("vega_lite_chart")]


@pytest.mark.parametrize("page", ["perceptron.py", "vae_lab.py"])  # pages with Altair charts
def test_skipping_the_schema_check_sends_the_same_charts(monkeypatch, page):
    checked = _sent_charts(run_page(page))
    monkeypatch.setattr(charts, "CHECK_CHARTS", False)
    unchecked = _sent_charts(run_page(page))
    assert checked and unchecked == checked


def test_the_tests_still_catch_a_chart_the_schema_rejects():
    broken = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x=alt.X("a:Q", bin="yes"))
    assert charts.CHECK_CHARTS  # conftest turns the check on for every test
    with pytest.raises(Exception, match="bin"):
        broken.to_dict()
    assert charts.without_schema_check(broken).to_dict()["encoding"]["x"]["bin"] == "yes"
