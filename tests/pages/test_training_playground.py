"""AppTest for the Training playground: training in steps and live, the overfitting preset, links, bad
settings."""

import pytest

from tests.conftest import run_page
from tests.helpers import kept_keys, widget_keys
from tests.helpers import no_nan_shown as _no_nan_shown
from tests.helpers import shown_lines as _texts

# Every test here starts and ends with fresh settings, budget and caches.
pytestmark = pytest.mark.usefixtures("fresh_settings")


def _train(at, page: str = "training_playground", steps: int | None = None):
    if steps is not None:
        at.number_input(key=f"{page}_steps").set_value(steps)
    at.button(key=f"{page}_train").click().run()
    for _ in range(80):  # AppTest has no timer: each run is one tick of the live loop
        if not at.session_state[f"{page}_lab"].live.playing:
            return at
        at.run()
    raise AssertionError("training did not stop")


def test_playground_trains_in_steps_and_live():
    at = run_page("training_playground.py")
    assert not at.exception
    assert at.metric[0].value == "0"
    _train(at, steps=100)
    assert at.metric[0].value == "100"
    assert float(at.metric[1].value) < 0.3
    at.button(key="training_playground_play").click().run()
    at.run()
    assert at.session_state["training_playground_lab"].live.playing
    assert int(at.metric[0].value) > 100
    at.button(key="training_playground_pause").click().run()
    paused = at.metric[0].value
    at.run()
    assert not at.exception and at.metric[0].value == paused
    assert len(at.get("vega_lite_chart")) == 3  # regions, losses, hidden neurons


def test_playground_overfit_preset_warns_about_overfitting():
    at = run_page("training_playground.py")
    at.selectbox(key="training_playground_preset").set_value("overfit").run()
    assert at.number_input(key="training_playground_neurons").value == 16
    _train(at, steps=600)
    assert not at.exception
    assert "Overfitting" in _texts(at.warning)


def test_playground_link_reproduces_the_setup_and_bad_values_get_a_notice():
    link = {"training_playground_dataset": "spiral", "training_playground_neurons": "5",
            "training_playground_seed": "4"}
    first, second = run_page("training_playground.py", link=link), run_page("training_playground.py", link=link)
    for at in (first, second):
        _train(at, steps=20)
    run = first.session_state["training_playground_lab"].trainer
    assert run.network.hidden_layers == (5, 5) and run.steps == 20
    assert run.train_loss == second.session_state["training_playground_lab"].trainer.train_loss  # same link, same run
    bad = run_page("training_playground.py",
                   link={"training_playground_noise": "7", "training_playground_dataset": "x"})
    assert not bad.exception and len(bad.toast) == 2
    assert bad.slider(key="training_playground_noise").value == 1.0


@pytest.mark.parametrize("key, value, message", [
    ("training_playground_neurons", 0, "at least one neuron"),
    ("training_playground_learning_rate", 0.0, "never move"),
    ("training_playground_learning_rate", 1e6, "overshoot"),
])
def test_playground_bad_settings_give_a_message_not_a_chart(key, value, message):
    at = run_page("training_playground.py")
    at.number_input(key=key).set_value(value).run()
    assert not at.exception
    assert message in _texts(at.warning)
    assert not at.get("vega_lite_chart")
    _no_nan_shown(at)


def test_playground_keeps_one_state_object_and_reset_forgets_it():
    """Besides its widgets the playground keeps one LiveLab (the run, its settings, the loop) under
    training_playground_lab; Reset starts a fresh one and the view shows step 0 again."""
    at = run_page("training_playground.py")
    widgets = widget_keys(at)
    _train(at, steps=10)
    widgets |= widget_keys(at)
    trained = at.session_state["training_playground_lab"]
    assert trained.trainer.steps == 10
    assert kept_keys(at, "training_playground", widgets) == {"training_playground_lab"}
    at.button(key="training_playground_reset").click().run()
    widgets |= widget_keys(at)
    fresh = at.session_state["training_playground_lab"]
    assert fresh is not trained and fresh.trainer.steps == 0 and at.metric[0].value == "0"
    assert kept_keys(at, "training_playground", widgets) == {"training_playground_lab"}
