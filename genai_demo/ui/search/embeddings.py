"""Streamlit pieces of the Embeddings page: its state, cached vectors and passage index, and its Altair charts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from genai_demo.engine.bundles import Embedder
from genai_demo.search.embeddings import encode, project_2d
from genai_demo.search.rag import Answer
from genai_demo.search.retrieval import Passage, PassageIndex, load_corpus
from genai_demo.ui.colours import PULLS_TOGETHER, PUSHES_APART
from genai_demo.ui.literal import plain_markdown

# Numbers printed inside heatmap cells stay readable up to this many sentences; above, hover shows them.
MAX_LABELLED_CELLS = 16
# Streamlit's default "fit" squeezes axes and legends into the given height; fit-x keeps the plot that tall.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


@dataclass
class LibrarySearch:
    """Part 2's last search: the query, its best passages with their scores, and the library's size."""

    query: str
    hits: list[tuple[Passage, float]]
    size: int


@dataclass
class RagAnswers:
    """Part 3's last answers, with and without the retrieved passages, and what they were written for."""

    request: tuple[str, str, str]  # the model, the prompt with context, the prompt without
    chat: bool  # the model read its chat template
    without: Answer
    with_context: Answer


@dataclass
class EmbeddingsState:
    """What the Embeddings page keeps across reruns."""

    search: LibrarySearch | None = None
    answers: RagAnswers | None = None


@st.cache_data(max_entries=32, show_spinner="Embedding your sentences…")
def sentence_vectors(_embedder: Embedder, model_id: str, sentences: tuple[str, ...]) -> np.ndarray:
    """Vectors for the learner's sentences; `model_id` is the cache key for the (unhashable) embedder."""
    return encode(_embedder, sentences)


@st.cache_resource(max_entries=1, show_spinner="Embedding the passage library (once per process)…")
def _passage_index(_embedder: Embedder, model_id: str, embedder_copy: int) -> PassageIndex:
    return PassageIndex.build(_embedder, load_corpus())


def passage_index(embedder: Embedder, model_id: str) -> PassageIndex:
    """The corpus vectors are computed once per process and shared by every session. Keyed by the embedder's
    copy too: once the memory budget has reloaded the embedder, the old index (which holds the old copy) goes."""
    return _passage_index(embedder, model_id, id(embedder))


@st.cache_data(max_entries=64, show_spinner=False)
def search(_index: PassageIndex, model_id: str, query: str, k: int) -> list[tuple[Passage, float]]:
    """`_index.search`, remembered: reruns of the page do not embed the same question again."""
    return _index.search(query, k)


@st.cache_data(max_entries=16, show_spinner="Drawing the map…")
def projected(vectors: np.ndarray, method: str, seed: int) -> np.ndarray:
    """The vectors as 2-D points (PCA or t-SNE), cached."""
    return project_2d(vectors, method, seed)


def short_label(number: int, sentence: str, width: int = 24) -> str:
    """The sentence's number and its start, cut to `width` characters."""
    text = sentence if len(sentence) <= width else sentence[: width - 1].rstrip() + "…"
    return f"{number}. {text}"


def similarity_heatmap(matrix: np.ndarray, labels: Sequence[str], sentences: Sequence[str]) -> alt.LayerChart:
    """Every pair of sentences as a cell coloured by their cosine similarity."""
    n = len(labels)
    frame = pd.DataFrame(
        [{"row": labels[i], "column": j + 1, "cosine": float(matrix[i, j]),
          "sentence A": sentences[i], "sentence B": sentences[j]} for i in range(n) for j in range(n)]
    )
    base = alt.Chart(frame).encode(
        x=alt.X("column:O", title="sentence number", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("row:N", sort=list(labels), title=None, axis=alt.Axis(labelLimit=130)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("cosine:Q", scale=alt.Scale(scheme="blues", domain=[min(0.0, float(matrix.min())), 1.0]),
                        legend=alt.Legend(title="cosine", orient="bottom")),
        tooltip=[alt.Tooltip("sentence A"), alt.Tooltip("sentence B"), alt.Tooltip("cosine:Q", format=".3f")],
    )
    chart = cells
    if n <= MAX_LABELLED_CELLS:
        text = base.mark_text(fontSize=10 if n > 10 else 11).encode(
            text=alt.Text("cosine:Q", format=".2f"),
            color=alt.condition(alt.datum.cosine > 0.6, alt.value("white"), alt.value("black")),
        )
        chart = cells + text
    return chart.properties(height=max(120, min(30 * n, 600)), autosize=FIT_WIDTH)


def projection_scatter(points: np.ndarray, labels: Sequence[str], groups: Sequence[str],
                       sentences: Sequence[str], method: str) -> alt.LayerChart:
    """The map. Clicking a point or a legend entry lights up its group, and hovering enlarges the nearest
    point; both happen in the browser, without a rerun (double-click clears)."""
    frame = pd.DataFrame({"x": points[:, 0], "y": points[:, 1], "label": labels, "group": groups,
                          "sentence": sentences})
    axis_name = "component" if method == "pca" else "t-SNE axis"
    group_pick = alt.selection_point(name="group_pick", fields=["group"], bind="legend", on="click")
    hovered = alt.selection_point(name="hovered", fields=["label"], on="mouseover", nearest=True, empty=False)
    lit = alt.condition(group_pick, alt.value(0.95), alt.value(0.15))
    base = alt.Chart(frame).encode(
        x=alt.X("x:Q", title=f"{axis_name} 1", axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("y:Q", title=f"{axis_name} 2", axis=alt.Axis(labels=False, ticks=False)),
        color=alt.Color("group:N", scale=alt.Scale(scheme="tableau10"), legend=alt.Legend(orient="bottom", title=None)),
        tooltip=[alt.Tooltip("sentence"), alt.Tooltip("group")],
    )
    dots = base.mark_circle().encode(
        opacity=lit, size=alt.condition(hovered, alt.value(320), alt.value(110)),
    ).add_params(group_pick, hovered)
    names = base.mark_text(align="left", dx=7).encode(text=alt.Text("label:N"), opacity=lit)
    return (dots + names).properties(height=380, autosize=FIT_WIDTH)


def vector_strip(vectors: np.ndarray, names: Sequence[str], dims: int) -> alt.Chart:
    """The first `dims` numbers of each vector as a row of colored cells (red negative, blue positive)."""
    frame = pd.DataFrame(
        [{"vector": name, "dimension": d, "value": float(vector[d])} for name, vector in zip(names, vectors)
         for d in range(dims)]
    )
    limit = float(np.abs(vectors[:, :dims]).max()) or 1.0
    return alt.Chart(frame).mark_rect().encode(
        x=alt.X("dimension:O", title="dimension", axis=alt.Axis(labelAngle=0, values=list(range(0, dims, 8)))),
        y=alt.Y("vector:N", title=None, sort=list(names), axis=alt.Axis(labelLimit=200)),
        color=alt.Color("value:Q", scale=alt.Scale(scheme="redblue", domain=[-limit, limit]),
                        legend=alt.Legend(orient="bottom", title="value")),
        tooltip=[alt.Tooltip("vector"), alt.Tooltip("dimension"), alt.Tooltip("value:Q", format=".4f")],
    ).properties(height=36 * len(names), autosize=FIT_WIDTH)


def contribution_bars(products: np.ndarray, top: int) -> alt.Chart:
    """The dimensions whose products a[i]*b[i] add (blue) or subtract (red) the most from the cosine."""
    order = np.argsort(-np.abs(products))[:top]
    frame = pd.DataFrame({"dimension": [f"dim {i}" for i in order], "a·b": products[order],
                          "effect": np.where(products[order] >= 0, "pulls together", "pushes apart")})
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("a·b:Q", title="a[i] × b[i]"),
        y=alt.Y("dimension:N", sort=None, title=None),
        color=alt.Color("effect:N", scale=alt.Scale(domain=["pulls together", "pushes apart"],
                                                    range=[PULLS_TOGETHER, PUSHES_APART]),
                        legend=alt.Legend(orient="bottom", title=None)),
        tooltip=[alt.Tooltip("dimension"), alt.Tooltip("a·b:Q", format=".5f")],
    ).properties(height=22 * len(order), autosize=FIT_WIDTH)



def answer_box(answer: Answer, max_new_tokens: int) -> None:
    """A model's answer shown literally (never as Markdown), and how it stopped."""
    with st.container(border=True):
        if answer.text:
            st.markdown(plain_markdown(answer.text))
        else:
            st.markdown(":gray[*(The model wrote no answer before it stopped.)*]")
    if answer.ended_turn:
        st.caption(f":material/check_circle: The model ended its turn here: after {answer.tokens} token"
                   f"{'s' if answer.tokens != 1 else ''} it chose its end token.")
    elif answer.went_on:
        st.caption(":material/more_horiz: The model kept writing after this line (base models often go on "
                   "with another question); only its first line is the answer.")
    else:
        st.caption(f":material/content_cut: Stopped at the {max_new_tokens}-token limit.")
