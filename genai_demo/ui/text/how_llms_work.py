"""Views of the How ChatGPT answers page (how_llms_work): attention heatmaps and lines, the logit lens,
embeddings, the transformer drawn as a diagram and a parameter chart, and how far attention reaches."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from genai_demo.engine.bundles import TextModel
from genai_demo.text.attention import EmbeddingView, Walkthrough
from genai_demo.text.transformer import Architecture, AttentionReach, attention_reach
from genai_demo.ui.charts import vector_heatmap, with_data
from genai_demo.ui.colours import (
    ATTENTION_BORDER,
    ATTENTION_FILL,
    ATTENTION_LINK,
    BAR_LABEL,
    BOX_BORDER,
    BOX_FILL,
    DASHED,
    MLP_BORDER,
    MLP_FILL,
    NEAR,
    STREAM,
    WHITE,
)

ROW_PX = 18


@dataclass
class Continuation:
    """Step 8's last text: what it was written for (prompt, temperature, seed) and whether the model ended it."""

    setup: tuple[str, float, int]
    text: str
    ended: bool = False


@dataclass
class HowLlmsWorkState:
    """What the walk-through keeps across reruns."""

    continuation: Continuation | None = None


def token_label(index: int, text: str) -> str:
    """An axis label that stays unique when a token repeats and shows invisible characters."""
    shown = text.replace("\n", "⏎").replace("\t", "⇥")
    if shown.strip() == "":
        shown = "␣" * max(1, len(shown))
    return f"{index}: {shown.strip() if shown.strip() else shown}"


def _labels(tokens: list[str]) -> list[str]:
    return [token_label(i, t) for i, t in enumerate(tokens)]


def attention_heatmap(weights: np.ndarray, tokens: list[str]) -> dict:
    """Rows: the token that reads; columns: the token it reads from; colour: how much (each row sums to 1).
    A ready Vega-Lite spec per prompt, refilled with each layer's or head's weights (data "cells")."""
    labels = _labels(tokens)
    n = len(tokens)
    query, key = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    frame = pd.DataFrame({
        "reading": [labels[q] for q in query.ravel()],
        "looks at": [labels[k] for k in key.ravel()],
        "weight": weights.ravel().astype(float),
        "future": (key > query).ravel(),
    })
    return with_data(_heatmap_template(tuple(labels)), cells=frame[~frame["future"]])


@lru_cache(maxsize=32)  # a template per prompt: the axes list its tokens
def _heatmap_template(labels: tuple[str, ...]) -> dict:
    step = max(9.0, min(float(ROW_PX), 640 / max(len(labels), 1)))
    return (
        alt.Chart(alt.NamedData("cells"))
        .mark_rect()
        .encode(
            x=alt.X("looks at:N", sort=list(labels), title="looks at (earlier tokens)", axis=alt.Axis(labelAngle=-60)),
            y=alt.Y("reading:N", sort=list(labels), title="token that is reading"),
            color=alt.Color("weight:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), title="attention"),
            tooltip=[alt.Tooltip("reading:N"), alt.Tooltip("looks at:N"), alt.Tooltip("weight:Q", format=".3f")],
        )
        .properties(height=alt.Step(step))
        .to_dict()
    )


def attention_lines(weights: np.ndarray, tokens: list[str], focus: int | None = None,
                    threshold: float = 0.03) -> dict:
    """Each token on the left draws lines to the tokens on the right it attends to; thicker = more weight.
    Clicking a token on the left follows only its lines, in the browser (double-click: every token again);
    `focus` is the token followed when the chart appears. A ready Vega-Lite spec per prompt length,
    refilled with each layer's or head's lines (data "links")."""
    labels = _labels(tokens)
    n = len(tokens)
    links = [
        {"reading": labels[q], "looks at": labels[k], "q": q, "k": k, "weight": float(weights[q, k])}
        for q in range(n)
        for k in range(q + 1)
        if weights[q, k] >= threshold
    ]
    frame = pd.DataFrame(links, columns=["reading", "looks at", "q", "k", "weight"])
    frame["left"], frame["right"] = 0.0, 1.0
    names = pd.DataFrame({"label": labels, "q": range(n), "left": 0.0, "right": 1.0})
    spec = with_data(_lines_template(n), links=frame, names=names)
    if focus is None:
        return spec
    return {**spec, "params": [{**param, "value": [{"q": focus}]} if param["name"] == "follow" else param
                               for param in spec["params"]]}


@lru_cache(maxsize=32)
def _lines_template(n: int) -> dict:
    y_scale = alt.Scale(domain=[n - 0.5, -0.5])
    x_scale = alt.Scale(domain=[-0.6, 1.6])
    follow = alt.selection_point(name="follow", fields=["q"], on="click", clear="dblclick")
    lines = (
        alt.Chart(alt.NamedData("links"))
        .mark_rule(color=ATTENTION_LINK)
        .encode(
            x=alt.X("left:Q", scale=x_scale, axis=None),
            x2=alt.X2("right"),
            y=alt.Y("q:Q", scale=y_scale, axis=None),
            y2=alt.Y2("k"),
            strokeWidth=alt.StrokeWidth("weight:Q", scale=alt.Scale(domain=[0, 1], range=[0.5, 8]), legend=None),
            opacity=alt.condition(
                follow, alt.Opacity("weight:Q", scale=alt.Scale(domain=[0, 1], range=[0.25, 1]), legend=None),
                alt.value(0.03)),
            tooltip=[alt.Tooltip("reading:N"), alt.Tooltip("looks at:N"), alt.Tooltip("weight:Q", format=".3f")],
        )
    )
    names = alt.Chart(alt.NamedData("names"))
    left = names.mark_text(align="right", baseline="middle", dx=-6, cursor="pointer", tooltip=None).encode(
        x=alt.X("left:Q", scale=x_scale, axis=None), y=alt.Y("q:Q", scale=y_scale, axis=None), text=alt.Text("label:N"),
        opacity=alt.condition(follow, alt.value(1.0), alt.value(0.35)),
    ).add_params(follow)
    right = names.mark_text(align="left", baseline="middle", dx=6, tooltip=None).encode(
        x=alt.X("right:Q", scale=x_scale, axis=None), y=alt.Y("q:Q", scale=y_scale, axis=None),
        text=alt.Text("label:N"),
    )
    return (lines + left + right).properties(height=max(160, ROW_PX * n)).configure_view(strokeWidth=0).to_dict()


def logit_lens_chart(walk: Walkthrough) -> alt.Chart:
    """Rows: the embeddings and each layer; columns: the last tokens; cell: that layer's best next-token guess."""
    labels = _labels(walk.tokens)
    layer_names = walk.lens_labels()
    rows = []
    for layer, layer_name in enumerate(layer_names):
        for column, position in enumerate(walk.lens_positions):
            guesses = walk.lens_top_tokens[layer][column]
            probs = walk.lens_top_probs[layer, column]
            rows.append({
                "layer": layer_name,
                "after token": labels[position],
                "guess": guesses[0].replace("\n", "⏎"),
                "probability": float(probs[0]),
                "top 5": ", ".join(f"{g!r} {p:.0%}" for g, p in zip(guesses, probs)),
            })
    frame = pd.DataFrame(rows)
    column_order = [labels[p] for p in walk.lens_positions]
    base = alt.Chart(frame).encode(
        x=alt.X("after token:N", sort=column_order, title="after reading this token",
                axis=alt.Axis(labelAngle=-45, orient="top")),
        y=alt.Y("layer:N", sort=layer_names, title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("probability:Q", scale=alt.Scale(scheme="greens", domain=[0, 1]), title="top guess"),
        tooltip=[alt.Tooltip("layer"), alt.Tooltip("after token"), alt.Tooltip("top 5")],
    )
    text = base.mark_text(fontSize=11, limit=70).encode(
        text=alt.Text("guess:N"),
        color=alt.condition("datum.probability > 0.5", alt.value("white"), alt.value("black")),
    )
    return (cells + text).properties(height=max(200, 26 * len(layer_names)))


def embedding_heatmap(vectors: np.ndarray, tokens: list[str], limit: float) -> alt.Chart:
    """The first dimensions of each token's vector, on one colour scale from -limit to +limit."""
    scale = alt.Scale(scheme="redblue", domain=[-limit, limit], reverse=True)
    return vector_heatmap(vectors, _labels(tokens), scale, alt.Step(ROW_PX))


def embedding_norms_chart(view: EmbeddingView, tokens: list[str]) -> alt.Chart:
    """The length of each full vector: token, position and their sum side by side."""
    labels = _labels(tokens)
    parts = {"token": view.token_norms, "position": view.position_norms, "token + position": view.input_norms}
    frame = pd.DataFrame([
        {"token": labels[i], "vector": part, "length": float(values[i])}
        for part, values in parts.items() if values is not None
        for i in range(len(labels))
    ])
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("token:N", sort=labels, title=None),
            x=alt.X("length:Q", title="vector length"),
            yOffset=alt.YOffset("vector:N"),
            color=alt.Color("vector:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("token"), alt.Tooltip("vector"), alt.Tooltip("length:Q", format=".2f")],
        )
        .properties(height=max(120, 3 * 8 * len(labels)))
    )


def millions(count: int) -> str:
    """A parameter count for people: 38.6 M, 2.4 k, or the exact number when small."""
    if count >= 1_000_000:
        return f"{count / 1e6:,.1f} M"
    if count >= 10_000:
        return f"{count / 1e3:,.1f} k"
    return f"{count:,}"


def architecture_dot(arch: Architecture, name: str) -> str:
    """A Graphviz diagram: embeddings → N identical blocks (attention, then MLP, each added onto the residual
    stream) → final norm and unembedding → a probability per token; every box carries the model's real sizes."""
    kv = f", {arch.n_kv_heads} key/value heads" if arch.n_kv_heads != arch.n_heads else ""
    position = (f"+ position table\\n{arch.context_window:,} × {arch.hidden_size:,}"
                if arch.positions == "learned table" else "positions: rotary\\n(turned inside attention)")
    head = "shares the token table" if arch.tied_unembedding else millions(arch.unembedding_params)
    return f"""digraph {{
  rankdir=TB; nodesep=0.3; ranksep=0.25; bgcolor="transparent";
  node [shape=box, style="rounded,filled", fillcolor="{BOX_FILL}", color="{BOX_BORDER}", fontname="sans-serif", fontsize=15];
  edge [color="{STREAM}", penwidth=1.6];
  text [label="your text → token ids", fillcolor="{WHITE}"];
  embed [label="token embeddings\\n{arch.vocab_size:,} × {arch.hidden_size:,}\\n{millions(arch.token_embedding_params)}"];
  pos [label="{position}", fillcolor="{WHITE}", style="rounded,dashed"];
  subgraph cluster_block {{
    label="× {arch.n_layers} blocks (same recipe, own weights)"; fontname="sans-serif"; fontsize=15;
    style="rounded,dashed"; color="{DASHED}";
    attn [label="attention\\n{arch.n_heads} heads × {arch.head_size}{kv}\\n{millions(arch.attention_params_per_block)} per block",
          fillcolor="{ATTENTION_FILL}", color="{ATTENTION_BORDER}"];
    add1 [label="+", shape=circle, width=0.3, fixedsize=true, fillcolor="{WHITE}"];
    mlp [label="MLP\\n{arch.hidden_size:,} → {arch.mlp_size:,} → {arch.hidden_size:,}\\n{millions(arch.mlp_params_per_block)} per block",
         fillcolor="{MLP_FILL}", color="{MLP_BORDER}"];
    add2 [label="+", shape=circle, width=0.3, fixedsize=true, fillcolor="{WHITE}"];
  }}
  unembed [label="final norm + unembedding\\n{arch.hidden_size:,} → {arch.vocab_size:,} ({head})"];
  probs [label="a probability for each of {arch.vocab_size:,} tokens", fillcolor="{WHITE}"];
  text -> embed;
  pos -> embed [style=dashed, arrowhead=none, color="{DASHED}"];
  embed -> attn [label=" stream", fontsize=10, fontcolor="{STREAM}"];
  embed -> add1 [style=bold];
  attn -> add1;
  add1 -> mlp; add1 -> add2 [style=bold]; mlp -> add2;
  add2 -> unembed [label=" ×{arch.n_layers}", fontsize=10, fontcolor="{STREAM}"];
  unembed -> probs;
}}"""  # noqa: E501 - a Graphviz node keeps its attributes on one line


def sizes_table(arch: Architecture) -> pd.DataFrame:
    """The config's numbers a learner should see, in plain words."""
    rows = [
        ("blocks (layers)", f"{arch.n_layers}"),
        ("heads per block", f"{arch.n_heads}" + (f" ({arch.n_kv_heads} key/value)" if arch.n_kv_heads != arch.n_heads
                                                 else "")),
        ("residual stream width", f"{arch.hidden_size:,}"),
        ("numbers per head", f"{arch.head_size}"),
        ("MLP inner width", f"{arch.mlp_size:,}"),
        ("vocabulary (tokens)", f"{arch.vocab_size:,}"),
        ("context window (tokens)", f"{arch.context_window:,}"),
        ("positions", arch.positions),
        ("parameters", f"{arch.total_params:,}"),
    ]
    return pd.DataFrame(rows, columns=["what", "value"]).set_index("what")


def parameter_chart(arch: Architecture) -> alt.Chart:
    """Where the parameters live: one bar per part, with its share of the whole model."""
    frame = pd.DataFrame([{"part": part, "parameters": size, "share": size / arch.total_params,
                           "label": f"{millions(size)} ({size / arch.total_params:.0%})"}
                          for part, size in arch.parts()])
    order = list(frame["part"])
    bars = alt.Chart(frame).mark_bar(color=STREAM).encode(
        y=alt.Y("part:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("parameters:Q", title="parameters", axis=alt.Axis(format="~s")),
        tooltip=[alt.Tooltip("part"), alt.Tooltip("parameters:Q", format=","), alt.Tooltip("share:Q", format=".1%")],
    )
    labels = bars.mark_text(align="left", dx=4, color=BAR_LABEL).encode(text=alt.Text("label:N"))
    return (bars + labels).properties(height=alt.Step(28))


@st.cache_data(max_entries=16, show_spinner="Reading the whole text once and measuring every layer's attention…")
def cached_reach(_lm: TextModel, model_id: str, token_ids: tuple[int, ...]) -> AttentionReach:
    """How far back each layer's attention reaches over the token ids, cached per model id."""
    return attention_reach(_lm, list(token_ids))


def reach_chart(reach: AttentionReach, skip_first_token: bool, window_tokens: float) -> alt.VConcatChart:
    """Every layer's distance histogram as one row of a heatmap; click a row to see it as bars below.

    Bars within `window_tokens` (the character model's fixed window, converted to tokens) are coloured apart."""
    labels, histogram = reach.histogram(skip_first_token)
    layer_names = [f"layer {i + 1}" for i in range(reach.n_layers)]
    mean = reach.mean_distance(skip_first_token)
    edges = [0] + [int(label.split("–")[-1].split(" ")[0]) for label in labels[1:]]  # each bin's farthest distance
    frame = pd.DataFrame([{
        "layer": layer_names[layer], "distance": label, "share": float(histogram[layer, column]),
        "mean distance": float(mean[layer]),
        "reach": "within the character model's window" if edges[column] <= window_tokens else "beyond it",
    } for layer in range(reach.n_layers) for column, label in enumerate(labels)])
    pick = alt.selection_point(fields=["layer"], value=[{"layer": layer_names[-1]}], on="click", empty=False)
    x = alt.X("distance:N", sort=labels, title="how far back (tokens)", axis=alt.Axis(labelAngle=0))
    heatmap = alt.Chart(frame).mark_rect(stroke="white").encode(
        x=x, y=alt.Y("layer:N", sort=layer_names, title=None),
        color=alt.Color("share:Q", scale=alt.Scale(scheme="blues", domainMin=0), title="share",
                        legend=alt.Legend(format="%")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.75)),
        tooltip=[alt.Tooltip("layer"), alt.Tooltip("distance"), alt.Tooltip("share:Q", format=".1%"),
                 alt.Tooltip("mean distance:Q", format=".1f")],
    ).add_params(pick).properties(height=alt.Step(min(22, max(7, 240 // reach.n_layers))),
                                  title="Every layer (click a row)")
    bars = alt.Chart(frame).mark_bar().encode(
        x=x, y=alt.Y("share:Q", axis=alt.Axis(format="%"), title="share of attention"),
        color=alt.Color("reach:N", title=None, legend=alt.Legend(orient="top", labelLimit=400),
                        scale=alt.Scale(domain=["within the character model's window", "beyond it"],
                                        range=[NEAR, STREAM])),
        tooltip=[alt.Tooltip("layer"), alt.Tooltip("distance"), alt.Tooltip("share:Q", format=".1%")],
    ).transform_filter(pick).properties(height=170, title="The row you clicked (at first: the last layer)")
    return alt.vconcat(heatmap, bars).resolve_scale(color="independent")
