"""Widgets shared by the neural-network pages: the neuron diagram, decision regions, loss curves."""

from __future__ import annotations

from functools import cache
from typing import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from genai_demo.neurons import NeuronResult, decision_grid, predict
from genai_demo.playground import EXTENT

BLUE, ORANGE = "#1f77b4", "#f58518"
CLASS_COLOURS = alt.Scale(domain=[0, 1], range=[BLUE, ORANGE])
REGION_COLOURS = alt.Scale(domain=[0, 0.5, 1], range=[BLUE, "#f4f4f4", ORANGE])


def number(value: float, digits: int = 3) -> str:
    """A readable number: no '-0', no long float tails."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def neuron_diagram(input_names: Sequence[str], inputs: Sequence[float], weights: Sequence[float], bias: float,
                   activation: str, output: float) -> None:
    """Inputs -> one neuron -> output; each arrow is as thick as its weight is large (red when negative)."""
    lines = ['digraph { rankdir=LR; bgcolor="transparent"; node [fontname="Helvetica", fontsize=11];',
             'edge [fontname="Helvetica", fontsize=10];']
    for i, (name, x, w) in enumerate(zip(input_names, inputs, weights)):
        width = 0.5 + 4.0 * min(abs(w), 2.0)
        colour = "#c0392b" if w < 0 else "#2c3e50"
        lines.append(f'in{i} [shape=box, style="rounded,filled", fillcolor="#eef3fb", label="{name}\\n= {number(x)}"];')
        lines.append(f'in{i} -> neuron [penwidth={width:.2f}, color="{colour}", label="w{i + 1} = {number(w)}"];')
    lines.append(f'bias [shape=plaintext, label="bias\\n{number(bias)}"]; bias -> neuron [style=dashed];')
    lines.append(f'neuron [shape=circle, style=filled, fillcolor="#fde9d9", label="Σ then\\n{activation}"];')
    lines.append(f'out [shape=box, style="rounded", label="output\\n{number(output)}"]; neuron -> out;}}')
    st.graphviz_chart("\n".join(lines), width="stretch")


def region_chart(height: int = 320) -> dict:
    """Vega-Lite spec of a heatmap of P(orange) over the plane (data "region": x, x2, y, y2, p) with the
    data points on top (data "points": x, y, label, split). Fill it with `with_data` for each frame:
    building Altair objects costs ~100 ms per chart, swapping data in a ready spec almost nothing."""
    return _region_template(height)


@cache
def _region_template(height: int) -> dict:
    scale = alt.Scale(domain=[-EXTENT, EXTENT], nice=False)
    axis = alt.Axis(grid=False)
    heat = alt.Chart(alt.NamedData("region")).mark_rect(opacity=0.6).encode(
        x=alt.X("x:Q", scale=scale, title=None, axis=axis), x2=alt.X2("x2"),
        y=alt.Y("y:Q", scale=scale, title=None, axis=axis), y2=alt.Y2("y2"),
        color=alt.Color("p:Q", scale=REGION_COLOURS, title="P(orange)"),
    )
    dots = alt.Chart(alt.NamedData("points")).mark_point(filled=True, size=36, strokeWidth=1, opacity=1).encode(
        x=alt.X("x:Q"), y=alt.Y("y:Q"),
        fill=alt.Fill("colour:N", scale=alt.Scale(domain=["blue", "orange"], range=[BLUE, ORANGE]), legend=None),
        shape=alt.Shape("split:N", scale=alt.Scale(domain=["training", "validation"], range=["circle", "triangle-up"]),
                        title=None),
        stroke=alt.value("white"),
    )
    return (heat + dots).properties(height=height).to_dict()


def loss_chart(height: int = 220) -> dict:
    """Vega-Lite spec of loss per step (data "losses": step, loss, data) with a dashed rule at the best
    validation step (data "best": step)."""
    return _loss_template(height)


@cache
def _loss_template(height: int) -> dict:
    lines = alt.Chart(alt.NamedData("losses")).mark_line().encode(
        x=alt.X("step:Q", title="training step"), y=alt.Y("loss:Q", title="loss"),
        color=alt.Color("data:N", title=None, scale=alt.Scale(domain=["training", "validation"],
                                                               range=["#2c3e50", "#e45756"])),
    )
    rule = alt.Chart(alt.NamedData("best")).mark_rule(strokeDash=[4, 4], color="#e45756").encode(x=alt.X("step:Q"))
    return (lines + rule).properties(height=height).to_dict()


def with_data(spec: dict, **datasets: pd.DataFrame) -> dict:
    """A copy of a spec template with its named datasets filled in (st.vega_lite_chart takes DataFrames)."""
    return {**spec, "datasets": datasets}


def neuron_maps_chart(columns: int = 8) -> dict:
    """Vega-Lite spec of small heatmaps, one per hidden neuron (data "neurons": neuron, layer, x, x2, y, y2,
    value), on one shared colour scale centred on 0."""
    return _neuron_maps_template(columns)


@cache
def _neuron_maps_template(columns: int) -> dict:
    scale = alt.Scale(domain=[-EXTENT, EXTENT], nice=False)
    return alt.Chart(alt.NamedData("neurons")).mark_rect().encode(
        x=alt.X("x:Q", scale=scale, axis=None), x2=alt.X2("x2"),
        y=alt.Y("y:Q", scale=scale, axis=None), y2=alt.Y2("y2"),
        color=alt.Color("value:Q", scale=alt.Scale(scheme="purpleorange", domainMid=0), title="output"),
    ).properties(width=62, height=62).facet(
        facet=alt.Facet("neuron:N", title=None, sort=alt.SortField("layer")), columns=columns,
    ).to_dict()


_ACTIVATION_LATEX = {
    "step": r"\operatorname{step}(s) = \begin{cases}1 & s > 0\\ 0 & s \le 0\end{cases}",
    "sigmoid": r"\sigma(s) = \frac{1}{1 + e^{-s}}",
    "relu": r"\operatorname{ReLU}(s) = \max(0, s)",
}


def perceptron_formula(result: NeuronResult) -> None:
    """The weighted sum written out with the current numbers, the activation, and the verdict."""
    terms = " + ".join(rf"({number(x)} \times {number(w)})" for x, w in zip(result.inputs, result.weights))
    bias = number(result.bias)
    st.latex(rf"s = {terms} + ({bias}) = \mathbf{{{number(result.weighted_sum)}}}")
    st.latex(rf"{_ACTIVATION_LATEX[result.activation]} \quad\Rightarrow\quad "
             rf"\text{{{result.activation}}}({number(result.weighted_sum)}) = \mathbf{{{number(result.output, 4)}}}")
    # A verdict, not an error or a success: shown in the chart's class colours (orange spam, blue not spam).
    if result.spam:
        st.markdown(f":orange-badge[:material/mail: **Spam**] The weighted sum {number(result.weighted_sum)} is "
                    "above 0, so the neuron fires.")
    else:
        st.markdown(f":blue-badge[:material/mark_email_read: **Not spam**] The weighted sum "
                    f"{number(result.weighted_sum)} is not above 0, so the neuron stays quiet.")


def perceptron_boundary_chart(weights: Sequence[float], bias: float, activation: str,
                              examples: pd.DataFrame | None = None, height: int = 300) -> dict:
    """Vega-Lite spec of the neuron's output over the input square, the line where the sum is 0, and the
    four corners (or labelled examples: columns x1, x2, label, text)."""
    x1, x2, out = decision_grid(weights, bias, activation, resolution=26)
    half = 1.0 / 25 / 2 * 1.05  # cells overlap a hair, so no seams show between them
    heat = pd.DataFrame({"x": x1 - half, "x2": x1 + half, "y": x2 - half, "y2": x2 + half, "output": out})
    if weights[1] != 0:
        xs = [-0.05, 1.05]
        line = pd.DataFrame({"a": xs, "b": [-(bias + weights[0] * x) / weights[1] for x in xs]})
    elif weights[0] != 0:
        line = pd.DataFrame({"a": [-bias / weights[0]] * 2, "b": [-0.05, 1.05]})
    else:
        line = pd.DataFrame({"a": [], "b": []})
    if examples is None:
        examples = pd.DataFrame({"x1": [0, 1, 0, 1], "x2": [0, 0, 1, 1]})
        examples["label"] = [predict(row, weights, bias) for row in examples[["x1", "x2"]].to_numpy()]
        examples["text"] = ["spam" if v else "not spam" for v in examples["label"]]
    spec = with_data(_boundary_template(height, tuple(examples.columns)), heat=heat, line=line, examples=examples)
    # ReLU's output can pass 1: the colour scale's orange end follows the largest output on the square.
    return {**spec, "params": [{"name": "top", "value": max(1.0, float(out.max()))}]}


@cache
def _boundary_template(height: int, example_columns: tuple[str, ...]) -> dict:
    scale = alt.Scale(domain=[-0.05, 1.05], nice=False)
    heat = alt.Chart(alt.NamedData("heat")).mark_rect(opacity=0.8).encode(
        x=alt.X("x:Q", scale=scale, title="contains 'discount'"), x2=alt.X2("x2"),
        y=alt.Y("y:Q", scale=scale, title="many '!'"), y2=alt.Y2("y2"),
        color=alt.Color("output:Q", title="output", scale=alt.Scale(
            domain=[0, 0.5, alt.ExprRef("top")], range=[BLUE, "#f4f4f4", ORANGE])),
    )
    line = alt.Chart(alt.NamedData("line")).mark_line(color="black", strokeDash=[6, 3], clip=True).encode(
        x=alt.X("a:Q", scale=scale), y=alt.Y("b:Q", scale=scale), order=alt.Order("a:Q"))
    points = alt.Chart(alt.NamedData("examples")).mark_point(filled=True, size=180, stroke="black").encode(
        x=alt.X("x1:Q"), y=alt.Y("x2:Q"), color=alt.Color("label:N", scale=CLASS_COLOURS, legend=None),
        tooltip=[alt.Tooltip(f"{column}:{'Q' if column in ('x1', 'x2', 'emails') else 'N'}")
                 for column in example_columns])
    labels = alt.Chart(alt.NamedData("examples")).mark_text(dy=-16).encode(
        x=alt.X("x1:Q"), y=alt.Y("x2:Q"), text=alt.Text("text:N"))
    return alt.layer(heat, line, points, labels).properties(height=height).to_dict()


def hidden_weights_chart(weights: Sequence[float], signals: Sequence[str], bar_height: int = 26) -> alt.Chart:
    """One hidden neuron's weight for each input signal, as bars: orange pushes it on, blue pushes it off."""
    frame = pd.DataFrame({"signal": list(signals), "weight": list(weights)})
    frame["direction"] = ["on" if w > 0 else "off" for w in weights]
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("weight:Q", title="weight"),
        y=alt.Y("signal:N", sort=list(signals), title=None),
        color=alt.Color("direction:N", scale=alt.Scale(domain=["on", "off"], range=[ORANGE, BLUE]), legend=None),
        tooltip=[alt.Tooltip("signal"), alt.Tooltip("weight:Q", format=".2f")],
    ).properties(height=alt.Step(bar_height))  # a fixed height per bar, so every signal's label fits
