"""Activations: the step, sigmoid, ReLU, tanh and GELU functions drawn side by side, each explained
(genai_demo.nets.neurons, ui.nets.neurons)."""

import streamlit as st

from genai_demo.nets.neurons import ACTIVATIONS, activate
from genai_demo.ui.charts import show_chart
from genai_demo.ui.colours import SERIES
from genai_demo.ui.layout import page_intro
from genai_demo.ui.nets.neurons import activation_chart, number

PALETTE = list(SERIES)  # one colour per activation function, in the order of NAMES
NAMES = {"step": "step", "sigmoid": "sigmoid", "relu": "ReLU", "tanh": "tanh", "gelu": "GELU"}
ABOUT = {
    "step": "A light switch: 1 when the sum is above 0, otherwise 0. The original perceptron's choice; "
            "it has no slope, so gradient-based training cannot use it.",
    "sigmoid": "Squeezes any number into 0…1, so the output reads like a probability (\"66.8% spam\").",
    "relu": "Passes positive numbers through unchanged and turns negatives into 0. Cheap and the default in "
            "many hidden layers.",
    "tanh": "Like sigmoid but centred on 0: outputs run from −1 to 1.",
    "gelu": "A smooth ReLU that lets small negative values leak through a little. Every GPT-2 layer uses it "
            "(this is the tanh approximation GPT-2 ships with).",
}
FORMULAS = {
    "step": r"\operatorname{step}(x) = 1 \text{ if } x > 0 \text{ else } 0",
    "sigmoid": r"\sigma(x) = \frac{1}{1+e^{-x}}",
    "relu": r"\operatorname{ReLU}(x) = \max(0, x)",
    "tanh": r"\tanh(x) = \frac{e^{x}-e^{-x}}{e^{x}+e^{-x}}",
    "gelu": r"\operatorname{GELU}(x) \approx \tfrac{1}{2}x\left(1+\tanh\!\left[\sqrt{2/\pi}\,"
            r"(x+0.044715x^3)\right]\right)",
}

page = page_intro(
    "activations",
    "After a neuron adds up its weighted inputs, an **activation function** turns that sum into the neuron's "
    "output: it decides how strongly the neuron fires. Different functions give different shapes, and the "
    "shape decides what a network of such neurons can learn.",
)

shown = page.multiselect("Functions to show", "shown", ACTIVATIONS, ACTIVATIONS, format_func=NAMES.get)


@st.fragment
def explore(shown: list[str]) -> None:
    """The input slider, the chart and the outputs: moving the slider reruns only this part of the page."""
    x = page.slider("Input (the weighted sum)", "x", -3.0, 3.0, 0.7, 0.05)
    show_chart(activation_chart(shown, x, NAMES, PALETTE), width="stretch")

    columns = st.columns(len(shown))
    for column, name in zip(columns, shown):
        column.metric(f"{NAMES[name]}({number(x, 2)})", f"{float(activate(name, x)):.4f}")
    if "sigmoid" in shown and abs(x - 0.7) < 1e-9:
        st.caption(f"sigmoid(0.7) = {float(activate('sigmoid', 0.7)):.6f}: the primer's \"about 0.68\" is loosely "
                   "rounded (two decimals give 0.67). Read it as a 66.8% chance of spam.")


if shown:
    explore(shown)
    st.subheader("The functions one by one")
    for name in shown:
        with st.expander(NAMES[name]):
            st.latex(FORMULAS[name])
            st.markdown(ABOUT[name])
else:
    st.info("Pick at least one function to draw.", icon=":material/show_chart:")

with st.expander("Why not just add the numbers up and stop?"):
    st.markdown(
        "Without an activation, every layer only scales and adds, and a stack of such layers collapses into one "
        "big weighted sum: a single straight line, however many layers you build. A bend in between "
        "(sigmoid's S, ReLU's corner) is what lets each layer of the 'factory' add something the previous "
        "layer could not. The Training playground lets you swap the hidden layers' activation and see the "
        "boundary change."
    )
