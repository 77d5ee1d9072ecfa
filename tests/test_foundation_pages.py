"""AppTest for the four neural-network foundation pages: default state, main interactions, bad input."""

import base64
import math

import pytest

from genai_demo.nets.neurons import sigmoid
from tests.conftest import reset_app_state, run_page


@pytest.fixture(autouse=True)
def fresh_settings():
    reset_app_state()
    yield
    reset_app_state()


def _texts(elements) -> str:
    return "\n".join(str(element.value) for element in elements)


def _no_nan_shown(at) -> None:
    shown = _texts(at.metric) + _texts(at.markdown) + _texts(at.error) + _texts(at.success)
    assert "nan" not in shown.lower().replace("nanny", "")


def test_perceptron_formula_follows_the_sliders():
    at = run_page("perceptron.py")
    assert not at.exception
    assert "= \\mathbf{0.7}" in _texts(at.latex)  # 1*0.5 + 1*1.0 + (-0.8)
    at.slider(key="perceptron_bias").set_value(-1.6).run()
    assert "= \\mathbf{-0.1}" in _texts(at.latex)
    assert "**Not spam**" in _texts(at.markdown) and not at.success  # a verdict is not a success box
    at.selectbox(key="perceptron_activation").set_value("sigmoid").run()
    at.slider(key="perceptron_bias").set_value(-0.8).run()
    assert f"\\mathbf{{{sigmoid(0.7):.4f}}}" in _texts(at.latex)
    assert at.get("vega_lite_chart")


def _neuron_diagram(at) -> str:
    """The SVG markup of the perceptron's neuron diagram (st.image sends it as a data URI)."""
    url = at.get("image")[0].proto.imgs[0].url
    assert url.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(url.split(",", 1)[1]).decode()


def test_the_neuron_diagram_draws_each_weight_and_turns_red_when_one_is_negative():
    at = run_page("perceptron.py")
    diagram = _neuron_diagram(at)
    assert "w1 = 0.5" in diagram and "w2 = 1" in diagram and "bias -0.8" in diagram
    assert "#c0392b" not in diagram.split("</defs>")[1]
    at.slider(key="perceptron_w1").set_value(-0.6).run()
    diagram = _neuron_diagram(at)
    assert "w1 = -0.6" in diagram and 'stroke="#c0392b"' in diagram.split("</defs>")[1]
    assert "&#x27;discount&#x27;" in diagram  # the input names are escaped into the markup


def test_perceptron_reads_a_pasted_email_and_explains_an_empty_one():
    at = run_page("perceptron.py")
    at.text_area(key="perceptron_email").set_value("Hi Ana, lunch at noon? See you!").run()
    assert not at.exception
    assert [m.value for m in at.metric][:2] == ["no (0)", "1"]
    assert "The weighted sum -0.8 is not above 0" in _texts(at.markdown)
    at.text_area(key="perceptron_email").set_value("   ").run()
    assert not at.exception and "empty" in _texts(at.info)
    _no_nan_shown(at)


def test_perceptron_learns_the_inbox_and_gives_up_on_xor():
    at = run_page("perceptron.py")
    at.button(key="perceptron_learn_step").click().run()
    assert "Email 1:" in _texts(at.markdown)
    at.button(key="perceptron_learn_solve").click().run()
    assert not at.exception and "classified correctly" in _texts(at.success)
    assert {m.label: m.value for m in at.metric}["accuracy"] == "100%"
    at.radio(key="perceptron_set").set_value("xor").run()
    at.button(key="perceptron_learn_solve").click().run()
    assert "No straight line can separate" in _texts(at.warning)
    at.number_input(key="perceptron_rate").set_value(0.0).run()
    at.button(key="perceptron_learn_step").click().run()
    assert "never change" in _texts(at.warning)


def test_perceptron_spam_verdict_is_not_an_error_box():
    at = run_page("perceptron.py")
    assert not at.exception
    assert "**Spam**" in _texts(at.markdown)  # the default email: 'discount' and three '!'
    assert not at.error


def test_perceptron_link_reproduces_the_neuron_and_bad_values_get_a_notice():
    at = run_page("perceptron.py", link={"perceptron_bias": "-1.6", "perceptron_activation": "sigmoid",
                                         "perceptron_x2": "false"})
    assert not at.exception
    assert at.slider(key="perceptron_bias").value == -1.6
    assert "\\mathbf{-1.1}" in _texts(at.latex)  # 1*0.5 + 0*1.0 - 1.6
    bad = run_page("perceptron.py", link={"perceptron_bias": "99", "perceptron_activation": "<script>"})
    assert not bad.exception
    assert bad.slider(key="perceptron_bias").value == 2.0
    assert len(bad.toast) == 2


def test_spam_network_trains_and_names_the_emails_it_fixes():
    at = run_page("perceptron.py")
    assert any(m.label == "With a hidden layer" for m in at.metric)
    at.number_input(key="perceptron_layers_steps").set_value(300)
    at.button(key="perceptron_layers_train").click().run()
    for _ in range(40):
        if not at.session_state["perceptron_layers_live"].playing:
            break
        at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Training step"] == "300"
    total = len(at.session_state["perceptron_layers_trainer"].emails)
    assert metrics["With a hidden layer"] == f"{total} of {total}"
    assert metrics["One neuron gets right"] != metrics["With a hidden layer"]
    shown = _texts(at.markdown)
    assert "gets wrong and the hidden layer gets right (1)" in shown
    assert "Your receipt: the student discount was applied" in shown
    assert "pushes the verdict towards" in shown  # what each hidden neuron looks for


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


def _train(at, page: str = "training_playground", steps: int | None = None):
    if steps is not None:
        at.number_input(key=f"{page}_steps").set_value(steps)
    at.button(key=f"{page}_train").click().run()
    for _ in range(80):  # AppTest has no timer: each run is one tick of the live loop
        if not at.session_state[f"{page}_live"].playing:
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
    assert at.session_state["training_playground_live"].playing
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
    run = first.session_state["training_playground_trainer"]
    assert run.network.hidden_layers == (5, 5) and run.steps == 20
    assert run.train_loss == second.session_state["training_playground_trainer"].train_loss  # same link, same run
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


TVG = "training_vs_generation.py"


def test_training_vs_generation_trains_and_writes():
    at = run_page(TVG)
    assert not at.exception and "Press **Train**" in _texts(at.info)
    at.slider(key="training_vs_generation_steps").set_value(200).run()
    at.button(key="training_vs_generation_train").click().run()
    assert not at.exception
    stages = [m.value for m in at.markdown if m.value.startswith("**After")]
    loss_at = {int(s.split()[1]): float(s.split("**")[-2]) for s in stages}
    assert sorted(loss_at) == [0, 50, 200]
    assert loss_at[200] < loss_at[50] < loss_at[0]
    before = len(at.code)
    at.button(key="training_vs_generation_write").click().run()
    prompt = at.text_input(key="training_vs_generation_prompt").value
    assert len(at.code) == before + 1 and at.code[-1].value.startswith(prompt)
    assert "last 8 characters" in _texts(at.markdown)  # the fixed window, named beside the transformer's reach
    assert "how_llms_work_step" in " ".join(str(link.proto) for link in at.get("page_link"))


def test_a_link_reproduces_the_training_run_and_its_samples():
    link = {"training_vs_generation_text": "Nursery rhymes", "training_vs_generation_steps": "60",
            "training_vs_generation_seed": "7", "training_vs_generation_temperature": "0.5"}
    samples = []
    for _ in range(2):
        at = run_page(TVG, link=link)
        assert at.radio(key="training_vs_generation_text").value == "nursery_rhymes"
        assert at.slider(key="training_vs_generation_steps").value == 60
        at.button(key="training_vs_generation_train").click().run()
        assert not at.exception
        samples.append([c.value for c in at.code])
    assert samples[0] == samples[1] and len(samples[0]) == 3  # steps 0, 50 and 60: the same text both times


def test_both_seeds_of_training_vs_generation_take_the_apps_one_range():
    from genai_demo.config import MAX_SEED

    at = run_page(TVG, link={"training_vs_generation_seed": "20000", "training_vs_generation_steps": "10",
                             "training_vs_generation_sample_seed": str(MAX_SEED + 1)})
    assert not at.exception
    assert at.number_input(key="training_vs_generation_seed").value == 20000  # inside the range every seed has
    at.button(key="training_vs_generation_train").click().run()
    assert not at.exception
    assert f"the range is 0 to {MAX_SEED}, so {MAX_SEED} is used" in _texts(at.toast)


def test_training_vs_generation_bad_link_values_get_a_notice():
    at = run_page(TVG, link={"training_vs_generation_steps": "-5", "training_vs_generation_text": "Klingon",
                             "training_vs_generation_temperature": "hot"})
    assert not at.exception
    toasts = _texts(at.toast)
    assert "so 10 is used" in toasts and "not one of the options" in toasts and "is not a number" in toasts
    assert at.slider(key="training_vs_generation_steps").value == 10


def test_training_vs_generation_own_text_too_short_is_explained():
    at = run_page(TVG)
    at.radio(key="training_vs_generation_text").set_value("own").run()
    at.text_area(key="training_vs_generation_own_text").set_value("🙂 hi").run()
    assert not at.exception and "at least" in _texts(at.info)
    at.text_area(key="training_vs_generation_own_text").set_value("שלום עולם, 你好世界! " * 10).run()
    at.button(key="training_vs_generation_train").click().run()
    assert not at.exception and any(m.value.startswith("**After") for m in at.markdown)
