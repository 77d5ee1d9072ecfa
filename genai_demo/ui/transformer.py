"""The transformer drawn: its architecture as a diagram and a parameter chart, and how far attention reaches."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from genai_demo.engine import TextModel
from genai_demo.transformer import Architecture, AttentionReach, attention_reach

STREAM = "#4c78a8"
NEAR = "#f58518"


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
    position = (f"+ position table\\n{arch.context_window:,} × {arch.hidden_size:,}" if arch.positions == "learned table"
                else "positions: rotary\\n(turned inside attention)")
    head = "shares the token table" if arch.tied_unembedding else millions(arch.unembedding_params)
    return f"""digraph {{
  rankdir=TB; nodesep=0.3; ranksep=0.25; bgcolor="transparent";
  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#9db4d6", fontname="sans-serif", fontsize=15];
  edge [color="{STREAM}", penwidth=1.6];
  text [label="your text → token ids", fillcolor="#ffffff"];
  embed [label="token embeddings\\n{arch.vocab_size:,} × {arch.hidden_size:,}\\n{millions(arch.token_embedding_params)}"];
  pos [label="{position}", fillcolor="#ffffff", style="rounded,dashed"];
  subgraph cluster_block {{
    label="× {arch.n_layers} blocks (same recipe, own weights)"; fontname="sans-serif"; fontsize=15;
    style="rounded,dashed"; color="#888888";
    attn [label="attention\\n{arch.n_heads} heads × {arch.head_size}{kv}\\n{millions(arch.attention_params_per_block)} per block",
          fillcolor="#fde7d2", color="#f0a868"];
    add1 [label="+", shape=circle, width=0.3, fixedsize=true, fillcolor="#ffffff"];
    mlp [label="MLP\\n{arch.hidden_size:,} → {arch.mlp_size:,} → {arch.hidden_size:,}\\n{millions(arch.mlp_params_per_block)} per block",
         fillcolor="#dcefd9", color="#7fbf7b"];
    add2 [label="+", shape=circle, width=0.3, fixedsize=true, fillcolor="#ffffff"];
  }}
  unembed [label="final norm + unembedding\\n{arch.hidden_size:,} → {arch.vocab_size:,} ({head})"];
  probs [label="a probability for each of {arch.vocab_size:,} tokens", fillcolor="#ffffff"];
  text -> embed;
  pos -> embed [style=dashed, arrowhead=none, color="#888888"];
  embed -> attn [label=" stream", fontsize=10, fontcolor="{STREAM}"];
  embed -> add1 [style=bold];
  attn -> add1;
  add1 -> mlp; add1 -> add2 [style=bold]; mlp -> add2;
  add2 -> unembed [label=" ×{arch.n_layers}", fontsize=10, fontcolor="{STREAM}"];
  unembed -> probs;
}}"""


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
    labels = bars.mark_text(align="left", dx=4, color="#333").encode(text=alt.Text("label:N"))
    return (bars + labels).properties(height=alt.Step(28))


@st.cache_data(max_entries=16, show_spinner="Reading the whole text once and measuring every layer's attention…")
def cached_reach(_lm: TextModel, model_id: str, token_ids: tuple[int, ...]) -> AttentionReach:
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
