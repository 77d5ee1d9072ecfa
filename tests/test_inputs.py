"""The page-input idiom: values come from links, survive as session state, and bad values are named."""

from streamlit.testing.v1 import AppTest

from tests.conftest import reset_app_state, run_page


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


def test_presenter_mode_comes_from_the_link():
    at = run_page("home.py", link={"presenter": "true"})
    assert not at.exception
    assert at.sidebar.toggle(key="presenter").value is True
