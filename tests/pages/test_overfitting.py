"""AppTest for the Overfitting page: a session copy trained and compared, kept across reruns and visits, and
a clamped link."""

from __future__ import annotations

from tests.conftest import run_page
from tests.helpers import shown_lines as _texts


def test_overfitting_page_trains_a_session_copy_and_compares(app_env):
    at = run_page("overfitting.py", timeout=180, link={"overfitting_steps": "20"})
    assert not at.exception
    assert at.slider(key="overfitting_steps").value == 20
    at.button(key="overfitting_run").click().run()
    assert not at.exception
    captions = _texts(at.caption)
    assert "Before:" in captions and "After overfitting:" in captions
    assert len(at.session_state["overfitting_state"].demo.losses) == 20
    at.text_area(key="overfitting_tiny_text").set_value("   ")
    at.button(key="overfitting_run").click().run()
    assert "empty" in _texts(at.warning)


def test_the_overfitting_result_survives_a_rerun_and_a_visit_to_another_page(app_env):
    at = run_page("overfitting.py", timeout=180, link={"overfitting_steps": "10"})
    at.button(key="overfitting_run").click().run()
    demo = at.session_state["overfitting_state"].demo
    at.run()  # a rerun without a click: the kept result is shown again, not trained again
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/overfitting.py").run()
    assert not at.exception
    assert at.session_state["overfitting_state"].demo is demo
    assert "After overfitting:" in _texts(at.caption)


def test_an_absurd_step_count_in_a_link_is_clamped_with_a_notice(app_env):
    at = run_page("overfitting.py", link={"overfitting_steps": "1e9"})
    assert not at.exception
    assert at.slider(key="overfitting_steps").value == 120
    assert "so 120 is used" in _texts(at.toast)
