"""Charts and cached computations for the Challenges page."""

from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from genai_demo.bias import BiasTemplate, NextWordProbability, WordGroups, association_scores, probe
from genai_demo.engine import Embedder, TextModel
from genai_demo.hallucination import FactCheck, check_all, load_fact_questions
from genai_demo.retrieval import PassageIndex


@st.cache_data(max_entries=32, show_spinner="Asking the model for its next-word probabilities…")
def cached_probe(_lm: TextModel, model_id: str, template: BiasTemplate) -> list[NextWordProbability]:
    return probe(_lm, template)


@st.cache_data(max_entries=16, show_spinner="Embedding the word groups…")
def cached_associations(_embedder: Embedder, model_id: str, groups: WordGroups) -> list[tuple[str, float]]:
    return association_scores(_embedder, groups)


@st.cache_data(max_entries=4, show_spinner="Asking the model every question (greedy, a few tokens each)…")
def cached_fact_checks(_lm: TextModel, model_id: str, _index: PassageIndex | None, with_context: bool) -> list[FactCheck]:
    return check_all(_lm, load_fact_questions(), _index if with_context else None)


def next_word_chart(rows: Sequence[NextWordProbability]) -> alt.Chart:
    """Grouped bars: for each candidate word, one bar per filler, as a share of the listed words."""
    frame = pd.DataFrame([{"word": r.word, "filler": r.filler, "share": r.share, "probability": r.probability,
                           "prompt": r.prompt} for r in rows])
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("word:N", sort=None, title=None),
            yOffset=alt.YOffset("filler:N"),
            x=alt.X("share:Q", axis=alt.Axis(format="%"), title="share of the listed words"),
            color=alt.Color("filler:N", title="swapped word", legend=alt.Legend(orient="top")),
            tooltip=["prompt", "word", alt.Tooltip("probability:Q", format=".2e"), alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(height=alt.Step(12))
    )


def association_chart(scores: Sequence[tuple[str, float]], groups: WordGroups) -> alt.Chart:
    frame = pd.DataFrame({"word": [w for w, _ in scores], "score": [s for _, s in scores]})
    frame["nearer"] = [groups.group_a_name if s > 0 else groups.group_b_name for s in frame["score"]]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("word:N", sort="-x", title=None),
            x=alt.X("score:Q", title=f"← nearer {groups.group_b_name} · nearer {groups.group_a_name} →"),
            color=alt.Color("nearer:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=["word", alt.Tooltip("score:Q", format="+.3f")],
        )
    )


def confidence_correctness_chart(checks: Sequence[FactCheck]) -> alt.Chart:
    """Each answer as a dot: how sure the model was (x) against whether it was right (y)."""
    frame = pd.DataFrame([{
        "question": c.question.question, "answer": c.answer or "(nothing)", "confidence": c.mean_confidence,
        "result": "correct" if c.correct else "wrong", "prompt": "with retrieved context" if c.with_context else "question only",
    } for c in checks])
    return (
        alt.Chart(frame)
        .mark_circle(size=140, opacity=0.8)
        .encode(
            x=alt.X("confidence:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"),
                    title="average probability of the answer's tokens"),
            y=alt.Y("result:N", title=None, sort=["correct", "wrong"]),
            yOffset=alt.YOffset("prompt:N"),
            color=alt.Color("prompt:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=["question", "answer", alt.Tooltip("confidence:Q", format=".0%"), "result", "prompt"],
        )
        .properties(height=160)
    )
