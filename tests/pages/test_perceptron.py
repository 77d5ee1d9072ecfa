"""AppTest for the Perceptron page: the formula, the neuron diagram, pasted emails, the learning rule,
links, and the spam network with a hidden layer."""

import base64

import pytest

from genai_demo.nets.neurons import load_emails, sigmoid
from tests.conftest import run_page
from tests.helpers import kept_keys, train_until_paused, widget_keys
from tests.helpers import no_nan_shown as _no_nan_shown
from tests.helpers import shown_lines as _texts

# Every test here starts and ends with fresh settings, budget and caches.
pytestmark = pytest.mark.usefixtures("fresh_settings")


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
        if not at.session_state["perceptron_layers_lab"].live.playing:
            break
        at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Training step"] == "300"
    total = len(at.session_state["perceptron_layers_lab"].trainer.emails)
    assert metrics["With a hidden layer"] == f"{total} of {total}"
    assert metrics["One neuron gets right"] != metrics["With a hidden layer"]
    shown = _texts(at.markdown)
    assert "gets wrong and the hidden layer gets right (1)" in shown
    assert "Your receipt: the student discount was applied" in shown
    assert "pushes the verdict towards" in shown  # what each hidden neuron looks for


def test_the_page_keeps_one_state_object_per_part_and_reset_forgets_one_set():
    """Besides its widgets the page keeps its learning (one Learning per email set) under perceptron_state and
    the hidden-layer lab under perceptron_layers_lab; "Reset to zero" forgets only the set on show."""
    at = run_page("perceptron.py")
    widgets = widget_keys(at)
    at.button(key="perceptron_learn_step").click().run()
    at.radio(key="perceptron_set").set_value("xor").run()
    at.button(key="perceptron_learn_pass").click().run()
    widgets |= widget_keys(at)
    at.number_input(key="perceptron_layers_steps").set_value(5)
    at.button(key="perceptron_layers_train").click().run()
    train_until_paused(at, "perceptron_layers")
    widgets |= widget_keys(at)
    assert not at.exception
    assert kept_keys(at, "perceptron", widgets) == {"perceptron_state", "perceptron_layers_lab"}
    learning = at.session_state["perceptron_state"].learning
    xor_size = len(load_emails("xor"))
    assert (learning["inbox"].position, learning["xor"].position, len(learning["xor"].log)) == (1, xor_size, xor_size)
    assert at.session_state["perceptron_layers_lab"].trainer.step == 5

    at.button(key="perceptron_learn_reset").click().run()
    learning = at.session_state["perceptron_state"].learning
    assert (learning["xor"].position, learning["xor"].log, learning["xor"].weights) == (0, [], (0.0, 0.0))
    assert learning["inbox"].position == 1
    assert {m.label: m.value for m in at.metric}["weight 1"] == "0"
