"""AppTest for the Activations page: exact values at the marker, and a hint when no function is shown."""

import math

import pytest

from tests.conftest import run_page
from tests.helpers import shown_lines as _texts

# Every test here starts and ends with fresh settings, budget and caches.
pytestmark = pytest.mark.usefixtures("fresh_settings")


def test_activations_page_shows_exact_values_at_the_marker():
    at = run_page("activations.py")
    assert not at.exception
    values = {m.label: m.value for m in at.metric}
    assert values["sigmoid(0.7)"] == f"{1 / (1 + math.exp(-0.7)):.4f}" == "0.6682"
    assert values["ReLU(0.7)"] == "0.7000" and values["step(0.7)"] == "1.0000"
    at.slider(key="activations_x").set_value(-2.0).run()
    values = {m.label: m.value for m in at.metric}
    assert values["ReLU(-2)"] == "0.0000" and values["tanh(-2)"] == f"{math.tanh(-2):.4f}"
    at.multiselect(key="activations_shown").set_value([]).run()
    assert not at.exception and "at least one" in _texts(at.info)
