"""Widgets shared by the neural-network pages: the neuron diagram, decision regions, loss curves."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from html import escape

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from genai_demo.nets.neurons import NeuronResult, activate, decision_grid, predict
from genai_demo.nets.playground import EXTENT
from genai_demo.ui.charts import with_data
from genai_demo.ui.colours import (
    BLUE,
    COMPARED_LOSS,
    INK,
    INPUT_FILL,
    MAP_LABEL,
    NEGATIVE_WEIGHT,
    NEURON_FILL,
    NEURON_MAP,
    ORANGE,
    OUTPUT_MAP,
    POSITIVE_WEIGHT,
    TRAINING_LOSS,
    WHITE,
)
from genai_demo.ui.heatmaps import heat_frame, heat_layer, paint, picture_url

CLASS_COLOURS = alt.Scale(domain=[0, 1], range=[BLUE, ORANGE])


def number(value: float, digits: int = 3) -> str:
    """A readable number: no '-0', no long float tails."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def neuron_diagram(input_names: Sequence[str], inputs: Sequence[float], weights: Sequence[float], bias: float,
                   activation: str, output: float) -> None:
    """Inputs -> one neuron -> output; each arrow is as thick as its weight is large (red when negative)."""
    st.image(neuron_svg(input_names, inputs, weights, bias, activation, output), width="stretch")


def neuron_svg(input_names: Sequence[str], inputs: Sequence[float], weights: Sequence[float], bias: float,
               activation: str, output: float) -> str:
    """The neuron diagram as SVG markup: a picture the browser shows at once (no layout engine, no animation)."""
    row, box_width, box_right = 70, 150, 152
    height = max(180, row * len(input_names) + 44)
    neuron_x, neuron_y, radius = 292, height / 2 - 10, 42
    out_x = neuron_x + radius + 30  # the output box's left edge
    parts = [f'<svg viewBox="0 0 440 {height}" width="440" height="{height}" '
             f'font-family="Source Sans Pro, Helvetica, Arial, sans-serif" font-size="15" fill="{INK}">',
             "<defs>",
             *(f'<marker id="head-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="13" markerHeight="13" '
               f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
               for name, colour in (("plus", POSITIVE_WEIGHT), ("minus", NEGATIVE_WEIGHT))),
             "</defs>"]
    top = neuron_y - row * len(input_names) / 2
    for i, (name, x, w) in enumerate(zip(input_names, inputs, weights)):
        y = top + row * i + row / 2
        colour, head = (NEGATIVE_WEIGHT, "minus") if w < 0 else (POSITIVE_WEIGHT, "plus")
        parts.append(f'<rect x="2" y="{y - 26}" width="{box_width}" height="52" rx="10" fill="{INPUT_FILL}" '
                     f'stroke="{INK}"/><text x="{2 + box_width / 2}" y="{y - 5}" text-anchor="middle">'
                     f'{escape(name)}</text><text x="{2 + box_width / 2}" y="{y + 16}" text-anchor="middle" '
                     f'font-weight="bold">= {number(x)}</text>')
        # The arrow ends on the circle, aimed at its centre; its label sits above its middle.
        dx, dy = neuron_x - box_right, neuron_y - y
        length = (dx * dx + dy * dy) ** 0.5
        end_x, end_y = neuron_x - dx / length * radius, neuron_y - dy / length * radius
        width = 0.5 + 4.0 * min(abs(w), 2.0)
        parts.append(f'<line x1="{box_right}" y1="{y}" x2="{end_x:.1f}" y2="{end_y:.1f}" stroke="{colour}" '
                     f'stroke-width="{width:.2f}" marker-end="url(#head-{head})"/>'
                     f'<text x="{(box_right + end_x) / 2:.1f}" y="{(y + end_y) / 2 - 10:.1f}" text-anchor="middle" '
                     f'fill="{colour}" font-weight="bold">w{i + 1} = {number(w)}</text>')
    parts.append(f'<text x="{neuron_x - 60}" y="{height - 6}" text-anchor="end">bias {number(bias)}</text>'
                 f'<line x1="{neuron_x - 56}" y1="{height - 11}" x2="{neuron_x - radius * 0.6:.1f}" '
                 f'y2="{neuron_y + radius * 0.8:.1f}" stroke="{POSITIVE_WEIGHT}" stroke-dasharray="5 4" '
                 f'marker-end="url(#head-plus)"/>'
                 f'<circle cx="{neuron_x}" cy="{neuron_y}" r="{radius}" fill="{NEURON_FILL}" stroke="{INK}"/>'
                 f'<text x="{neuron_x}" y="{neuron_y - 4}" text-anchor="middle">Σ then</text>'
                 f'<text x="{neuron_x}" y="{neuron_y + 15}" text-anchor="middle">{escape(activation)}</text>'
                 f'<line x1="{neuron_x + radius}" y1="{neuron_y}" x2="{out_x - 2}" y2="{neuron_y}" '
                 f'stroke="{POSITIVE_WEIGHT}" stroke-width="2" marker-end="url(#head-plus)"/>'
                 f'<rect x="{out_x}" y="{neuron_y - 26}" width="{436 - out_x}" height="52" rx="10" fill="{WHITE}" '
                 f'stroke="{INK}"/><text x="{(out_x + 436) / 2}" y="{neuron_y - 5}" text-anchor="middle">output'
                 f'</text><text x="{(out_x + 436) / 2}" y="{neuron_y + 16}" text-anchor="middle" '
                 f'font-weight="bold">{number(output)}</text></svg>')
    return "".join(parts)


def region_chart(probabilities: np.ndarray, points: pd.DataFrame, height: int = 320) -> dict:
    """Vega-Lite spec of a heatmap of P(orange) over the plane (a square grid, row 0 at the bottom) with the
    data points on top (columns x, y, colour, split). A ready spec refilled with each frame's data:
    building Altair objects costs ~100 ms per chart, swapping data in a ready spec almost nothing."""
    span = _plane_span(len(probabilities))
    region = heat_frame(probabilities, span, span, (0, 0.5, 1), OUTPUT_MAP)
    return with_data(_region_template(height), region=region, points=points)


def _plane_span(resolution: int) -> tuple[float, float]:
    """Where a grid of `resolution` cell centres from -EXTENT to EXTENT begins and ends, outer edges included."""
    half = EXTENT / (resolution - 1)
    return -EXTENT - half, EXTENT + half


@cache
def _region_template(height: int) -> dict:
    scale = alt.Scale(domain=[-EXTENT, EXTENT], nice=False)
    axis = alt.Axis(grid=False)
    heat = heat_layer("region", alt.X("x:Q", scale=scale, title=None, axis=axis),
                      alt.Y("y:Q", scale=scale, title=None, axis=axis),
                      alt.Scale(domain=[0, 0.5, 1], range=list(OUTPUT_MAP), interpolate="rgb"), "P(orange)",
                      opacity=0.6)
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
        x=alt.X("step:Q", title="training step", axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y("loss:Q", title="loss"),
        color=alt.Color("data:N", title=None, scale=alt.Scale(domain=["training", "validation"],
                                                               range=[TRAINING_LOSS, COMPARED_LOSS])),
    )
    rule = alt.Chart(alt.NamedData("best")).mark_rule(strokeDash=[4, 4], color=COMPARED_LOSS).encode(x=alt.X("step:Q"))
    return (lines + rule).properties(height=height).to_dict()


def activation_chart(shown: Sequence[str], x: float, names: dict[str, str], palette: Sequence[str]) -> dict:
    """Vega-Lite spec of the `shown` activation functions from -3 to 3 (colours: `palette` in the order of
    `names`), a dashed rule at input `x` and a dot on each curve there."""
    xs = np.linspace(-3, 3, 241)
    curves = pd.concat([pd.DataFrame({"input": xs, "output": activate(name, xs), "function": names[name]})
                        for name in shown], ignore_index=True)
    markers = pd.DataFrame({"input": x, "output": [float(activate(name, x)) for name in shown],
                            "function": [names[name] for name in shown]})
    return with_data(_activation_template(tuple(names.values()), tuple(palette)), curves=curves, markers=markers,
                     input=pd.DataFrame({"input": [x]}))


@cache
def _activation_template(labels: tuple[str, ...], palette: tuple[str, ...]) -> dict:
    colour = alt.Color("function:N", title=None, scale=alt.Scale(domain=list(labels), range=list(palette)))
    return alt.layer(
        alt.Chart(alt.NamedData("curves")).mark_line(strokeWidth=2.5, clip=True).encode(
            x=alt.X("input:Q", title="input (weighted sum)"),
            y=alt.Y("output:Q", title="output", scale=alt.Scale(domain=[-1.2, 3])), color=colour),
        alt.Chart(alt.NamedData("input")).mark_rule(strokeDash=[4, 4], color="gray").encode(x=alt.X("input:Q")),
        alt.Chart(alt.NamedData("markers")).mark_point(filled=True, size=90).encode(
            x=alt.X("input:Q"), y=alt.Y("output:Q"), color=colour,
            tooltip=[alt.Tooltip("function:N"), alt.Tooltip("output:Q")]),
    ).properties(height=360).to_dict()


def neuron_maps_chart(outputs: dict[str, np.ndarray], columns: int = 8) -> dict:
    """Vega-Lite spec of small heatmaps, one per hidden neuron ({name: its outputs on a square grid over
    the plane}, in order), named above each, on one colour ramp centred on 0 whose ends are the
    largest output of any neuron. All maps are one picture (a sheet): one image mark, not a chart each."""
    top = max(1e-6, max(float(np.abs(grid).max()) for grid in outputs.values()))
    side = len(next(iter(outputs.values())))
    gap, band = 3, 6  # pixels of the sheet between two maps, and above each for its name
    rows = -(-len(outputs) // columns)
    width, height = columns * (side + gap) - gap, rows * (band + side)
    sheet = np.full((height, width, 3), 255, np.uint8)
    names = []
    for index, (name, grid) in enumerate(outputs.items()):
        row, column = divmod(index, columns)
        top_px, left = row * (band + side) + band, column * (side + gap)
        sheet[top_px:top_px + side, left:left + side] = paint(np.flipud(grid), (-top, 0, top), NEURON_MAP)
        names.append({"name": name, "x": left, "y": top_px})
    sheet_row = {"x": 0, "x2": width, "y": 0, "y2": height, "url": picture_url(sheet), "legend": -top}
    spec = with_data(_neuron_maps_template(width, height), neurons=pd.DataFrame([sheet_row]),
                     names=pd.DataFrame(names))
    return {**spec, "params": [{"name": "top", "value": top}]}  # the legend's ends


@cache
def _neuron_maps_template(width: int, height: int) -> dict:
    pixel = 62 / 14  # a map of 14x14 outputs is drawn 62 pixels wide
    x = alt.Scale(domain=[0, width], nice=False, zero=False)
    y = alt.Scale(domain=[height, 0], nice=False, zero=False)  # the sheet's first row at the top
    colours = alt.Scale(domain=[alt.ExprRef("-top"), 0, alt.ExprRef("top")], range=list(NEURON_MAP),
                        interpolate="rgb")
    maps = heat_layer("neurons", alt.X("x:Q", scale=x, axis=None), alt.Y("y:Q", scale=y, axis=None), colours,
                      "output")
    names = alt.Chart(alt.NamedData("names")).mark_text(align="left", baseline="bottom", dy=-3,
                                                         color=MAP_LABEL, tooltip=None).encode(
        x=alt.X("x:Q", scale=x), y=alt.Y("y:Q", scale=y), text=alt.Text("name:N"))
    return alt.layer(maps, names).properties(width=round(width * pixel), height=round(height * pixel)).configure_view(
        strokeWidth=0).to_dict()


# Each activation's name and rule in LaTeX: name(s) = rule.
_ACTIVATION_LATEX = {
    "step": (r"\operatorname{step}", r"\begin{cases}1 & s > 0\\ 0 & s \le 0\end{cases}"),
    "sigmoid": (r"\sigma", r"\frac{1}{1 + e^{-s}}"),
    "relu": (r"\operatorname{ReLU}", r"\max(0, s)"),
}


def perceptron_formula(result: NeuronResult) -> None:
    """The weighted sum written out with the current numbers, the activation, and the verdict."""
    terms = " + ".join(rf"({number(x)} \times {number(w)})" for x, w in zip(result.inputs, result.weights))
    total = number(result.weighted_sum)
    name, rule = _ACTIVATION_LATEX[result.activation]
    # One aligned block, a step per line, so it fits a narrow column.
    st.latex(r"\begin{aligned}"
             rf"s &= {terms} + ({number(result.bias)}) \\ &= \mathbf{{{total}}} \\[6pt]"
             rf"{name}(s) &= {rule} \\[6pt]"
             rf"{name}({total}) &= \mathbf{{{number(result.output, 4)}}}"
             r"\end{aligned}")
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
    resolution = 26
    _, _, out = decision_grid(weights, bias, activation, resolution=resolution)
    # ReLU's output can pass 1: the colour ramp's orange end follows the largest output on the square.
    top = max(1.0, float(out.max()))
    half = 1.0 / (resolution - 1) / 2
    heat = heat_frame(out.reshape(resolution, resolution), (-half, 1 + half), (-half, 1 + half),
                      (0, 0.5, top), OUTPUT_MAP)
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
    return {**spec, "params": [{"name": "top", "value": top}]}  # the legend's orange end


@cache
def _boundary_template(height: int, example_columns: tuple[str, ...]) -> dict:
    scale = alt.Scale(domain=[-0.05, 1.05], nice=False)
    heat = heat_layer("heat", alt.X("x:Q", scale=scale, title="contains 'discount'"),
                      alt.Y("y:Q", scale=scale, title="many '!'"),
                      alt.Scale(domain=[0, 0.5, alt.ExprRef("top")], range=list(OUTPUT_MAP), interpolate="rgb"),
                      "output", opacity=0.8)
    line = alt.Chart(alt.NamedData("line")).mark_line(color="black", strokeDash=[6, 3], clip=True).encode(
        x=alt.X("a:Q", scale=scale), y=alt.Y("b:Q", scale=scale), order=alt.Order("a:Q"))
    points = alt.Chart(alt.NamedData("examples")).mark_point(filled=True, size=180, stroke="black").encode(
        x=alt.X("x1:Q"), y=alt.Y("x2:Q"), color=alt.Color("label:N", scale=CLASS_COLOURS, legend=None),
        tooltip=[alt.Tooltip(f"{column}:{'Q' if column in ('x1', 'x2', 'emails') else 'N'}")
                 for column in example_columns])
    labels = alt.Chart(alt.NamedData("examples")).mark_text(dy=-16).encode(
        x=alt.X("x1:Q"), y=alt.Y("x2:Q"), text=alt.Text("text:N"))
    return alt.layer(heat, line, points, labels).resolve_scale(color="independent").properties(
        height=height).to_dict()


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
