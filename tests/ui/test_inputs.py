"""The page-input idiom: values come from links, survive as session state, and bad values are named."""

import re
from dataclasses import dataclass

import pytest
from streamlit.testing.v1 import AppTest

from genai_demo.config import MAX_SEED
from tests.conftest import ROOT, reset_app_state, run_page
from tests.helpers import MUSIC, SPEECH


def setup_function() -> None:
    reset_app_state()


def _toasts(at) -> str:
    return "\n".join(str(toast.value) for toast in at.toast)


def _captions(at) -> str:
    return "\n".join(str(caption.value) for caption in at.caption)


def test_a_link_sets_the_page_inputs():
    at = run_page("activations.py", link={"activations_x": "-1.5", "activations_shown": ["ReLU", "GELU"]})  # as labels
    assert not at.exception
    assert at.slider(key="activations_x").value == -1.5
    assert at.multiselect(key="activations_shown").value == ["relu", "gelu"]
    assert [metric.label for metric in at.metric] == ["ReLU(-1.5)", "GELU(-1.5)"]


def test_a_link_value_out_of_range_is_clamped_and_named():
    at = run_page("activations.py", link={"activations_x": "99"})
    assert not at.exception
    assert at.slider(key="activations_x").value == 3.0
    assert "the range is -3.0 to 3.0, so 3.0 is used" in _toasts(at)


def test_a_clamped_link_value_stays_in_the_address_so_a_copied_link_holds_it():
    """Streamlit drops a value its slider cannot take, which left the address bare: a link copied then
    opened the default, not the value the page had used."""
    at = run_page("activations.py", link={"activations_x": "1e9"})
    assert not at.exception
    assert at.slider(key="activations_x").value == 3.0
    assert at.query_params["activations_x"] == "3.0"
    at.run()  # and on the next run too
    assert at.query_params["activations_x"] == "3.0"


def test_a_linked_number_out_of_range_stays_corrected_in_the_address():
    at = AppTest.from_function(_number_and_text_script)
    at.query_params["demo_steps"] = "-5"
    at.run()
    assert not at.exception
    assert "steps=1" in at.markdown[0].value
    assert at.query_params["demo_steps"] == "1"


def test_a_link_value_that_is_not_a_number_keeps_the_default_and_says_so():
    at = run_page("activations.py", link={"activations_x": "<script>"})
    assert not at.exception
    assert at.slider(key="activations_x").value == 0.7
    assert "is not a number" in _toasts(at)


def test_link_settings_of_other_pages_are_dropped_with_a_notice():
    at = run_page("activations.py", link={"text_generation_prompt": "x" * 5000, "zzz": "1"})
    assert not at.exception
    assert "does not know" in _toasts(at) and "'zzz'" in _toasts(at)
    assert "zzz" not in at.query_params


def test_a_misspelt_setting_of_this_page_is_dropped_with_a_notice_once_the_page_has_run():
    at = run_page("activations.py", link={"activations_bogus": "1", "activations_x": "-1.5"})
    assert not at.exception
    assert "'activations_bogus'" in _toasts(at)
    assert "activations_bogus" not in at.query_params
    assert at.query_params["activations_x"] == "-1.5"  # the page's own settings stay
    assert "activations_x" not in _toasts(at)


def test_settings_survive_a_visit_to_another_page():
    at = run_page("activations.py")
    at.slider(key="activations_x").set_value(-2.0).run()
    at.switch_page("pages/perceptron.py").run()
    assert not at.exception
    at.switch_page("pages/activations.py").run()
    assert at.slider(key="activations_x").value == -2.0


def _number_and_text_script() -> None:
    from genai_demo.ui.inputs import PageInputs

    page = PageInputs("demo")
    steps = page.number("Steps", "steps", 1, 100, 10)
    text = page.text("Your text", "text", "hello", max_chars=50)
    st = __import__("streamlit")
    st.write(f"steps={steps} chars={len(text)}")


def test_a_number_typed_out_of_range_is_replaced_by_the_nearest_allowed_one():
    at = AppTest.from_function(_number_and_text_script).run()
    at.number_input(key="demo_steps").set_value(5000).run()
    assert not at.exception
    assert at.number_input(key="demo_steps").value == 100
    assert "5,000 is outside 1 to 100, so 100 is used" in _captions(at)
    assert "steps=100" in at.markdown[0].value


def test_a_paste_over_the_limit_is_kept_cut_with_a_notice():
    at = AppTest.from_function(_number_and_text_script).run()
    at.text_area(key="demo_text").input("é" * 400).run()
    assert not at.exception
    assert at.text_area(key="demo_text").value == "é" * 50
    assert "had 400 characters; the first 50 are kept" in _captions(at)
    assert "chars=50" in at.markdown[0].value


@pytest.mark.parametrize("value", ["true", "1", "Yes", "on"])
def test_presenter_mode_comes_from_the_link(value):
    at = run_page("home.py", link={"presenter": value})
    assert not at.exception
    assert at.sidebar.toggle(key="presenter").value is True
    assert at.query_params["presenter"] == "true" and not at.toast


def test_a_presenter_value_that_is_neither_on_nor_off_gets_a_notice():
    at = run_page("home.py", link={"presenter": "maybe"})
    assert not at.exception
    assert at.sidebar.toggle(key="presenter").value is False
    assert "presenter='maybe' is neither on nor off" in _toasts(at)
    assert "presenter" not in at.query_params


# --- seeds, actions and page state -----------------------------------------------------------------


@dataclass
class DemoState:
    """A page state for the scripts below (a page's state class lives in a module, never in the script)."""

    runs: int = 0
    result: str | None = None


def _action_script() -> None:
    import streamlit as st

    from genai_demo.ui.inputs import PageInputs
    from tests.ui.test_inputs import DemoState

    page = PageInputs("demo")
    state = page.state(DemoState)
    state.runs += 1
    seed = page.seed("Seed", "seed", 3)
    go = page.action("Write", "write", area="output")
    if go.clicked:
        state.result = f"written with seed {seed}"
    with go.area:
        st.markdown(state.result or "nothing yet")
    if page.button("Forget it", "forget"):
        state.result = None
        st.rerun()


def _html(at) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def test_an_actions_result_is_kept_in_the_page_state_and_survives_reruns():
    at = AppTest.from_function(_action_script).run()
    assert not at.exception and at.markdown[0].value == "nothing yet"
    assert "st-key-demo_output" not in _html(at)  # no scrolling without a click
    at.button(key="demo_write").click().run()
    assert at.markdown[0].value == "written with seed 3"
    assert "scrollIntoView" in _html(at) and "st-key-demo_output" in _html(at)  # the result area comes into view
    at.run()  # a rerun without a click: the result stays, and the page does not scroll again
    assert at.markdown[0].value == "written with seed 3" and "st-key-demo_output" not in _html(at)
    state = at.session_state["demo_state"]
    assert isinstance(state, DemoState) and state.runs == 3  # one instance, kept under the page's one key
    at.button(key="demo_forget").click().run()
    assert at.markdown[0].value == "nothing yet" and at.session_state["demo_state"].result is None
    at.run()
    assert at.markdown[0].value == "nothing yet"


def test_a_seed_box_has_the_apps_one_range_for_typed_and_linked_seeds():
    at = AppTest.from_function(_action_script)
    at.query_params["demo_seed"] = str(MAX_SEED + 1)
    at.run()
    assert not at.exception
    assert f"the range is 0 to {MAX_SEED}, so {MAX_SEED} is used" in _toasts(at)
    assert at.number_input(key="demo_seed").value == MAX_SEED  # the seed the page uses...
    assert at.query_params["demo_seed"] == str(MAX_SEED)  # ... and the one a copied link holds
    at.number_input(key="demo_seed").set_value(MAX_SEED).run()  # the top itself is a seed a box holds exactly
    at.button(key="demo_write").click().run()
    assert at.markdown[0].value == f"written with seed {MAX_SEED}"
    at.number_input(key="demo_seed").set_value(-1).run()
    assert at.number_input(key="demo_seed").value == 0
    assert f"Seed: -1 is outside 0 to {MAX_SEED:,}, so 0 is used" in _captions(at)


def _script_state() -> None:
    from dataclasses import dataclass

    from genai_demo.ui.inputs import PageInputs

    @dataclass
    class Kept:
        value: int = 0

    PageInputs("demo").state(Kept)


def test_a_state_class_defined_in_the_page_script_is_refused():
    at = AppTest.from_function(_script_state).run()  # a new class on every rerun would forget the state each time
    assert at.exception and "view module" in at.exception[0].message


def test_every_seed_box_of_every_page_is_a_page_seed():
    """One range for every seed: no page builds a seed box of its own."""
    sources = [*(ROOT / "pages").glob("*.py"), *(ROOT / "genai_demo" / "ui").rglob("*.py")]
    own_boxes = re.compile(r"(number|number_input)\(\s*\"[^\"]*\",\s*\"?[\w\"]*seed", re.IGNORECASE)
    found = [f"{path.name}: {match.group(0)}" for path in sources for match in own_boxes.finditer(path.read_text())]
    assert found == []
    assert sum(path.read_text().count(".seed(") for path in sources) >= 20


@pytest.mark.parametrize("page", [SPEECH, MUSIC])
def test_a_linked_seed_past_the_apps_range_is_clamped_with_a_notice(sound_env, page):
    from genai_demo.config import MAX_SEED

    at = run_page(f"{page}.py", link={f"{page}_seed": str(2**40)})
    assert not at.exception
    toasts = " ".join(str(toast.value) for toast in at.toast)
    assert f"Seed = {2**40}; the range is 0 to {MAX_SEED}, so {MAX_SEED} is used" in toasts
    assert at.number_input(key=f"{page}_seed").value == MAX_SEED  # the seed the page uses
