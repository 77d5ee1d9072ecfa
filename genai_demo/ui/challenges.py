"""Charts, cached computations and shared furniture of the three Challenges pages (bias, made-up facts,
overfitting)."""

from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from genai_demo.bias import PLACEHOLDER, BiasTemplate, NextWordProbability, WordGroups, association_scores, probe
from genai_demo.catalogue import page_info
from genai_demo.engine import Embedder, TextModel
from genai_demo.hallucination import FactCheck, check_all, load_fact_questions
from genai_demo.retrieval import PassageIndex
from genai_demo.ui.text import plain_markdown

CHALLENGE_PAGES = ("bias", "made_up_facts", "overfitting")


def other_challenges(current: str) -> None:
    """Links to the other Challenges pages, so a presenter moves between them in one click."""
    columns = st.columns(len(CHALLENGE_PAGES) - 1)
    for column, page in zip(columns, [p for p in CHALLENGE_PAGES if p != current]):
        info = page_info(page)
        column.page_link(f"pages/{page}.py", label=f"Another challenge: {info.title}", icon=info.icon)


def filled_templates_caption(template: BiasTemplate) -> str:
    """Each filled-in prompt, the swapped word in bold, everything else shown literally (a learner's
    template may hold *, $ or # that Markdown would otherwise turn into formatting or maths)."""
    before, _, after = template.template.partition(PLACEHOLDER)
    return " · ".join(f"“{plain_markdown(before)}**{plain_markdown(filler)}**{plain_markdown(after)} …”"
                      for filler in template.fillers)


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
            tooltip=[alt.Tooltip("prompt"), alt.Tooltip("word"), alt.Tooltip("probability:Q", format=".2e"),
                     alt.Tooltip("share:Q", format=".1%")],
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
            tooltip=[alt.Tooltip("word"), alt.Tooltip("score:Q", format="+.3f")],
        )
    )


def shown_answer(check: FactCheck) -> str:
    """The answer as the table shows it, saying when the model wrote nothing or ended its turn."""
    answer = check.answer or "(nothing)"
    return answer + (" [ended its turn]" if check.ended_turn else "")


def confidence_correctness_chart(checks: Sequence[FactCheck]) -> alt.Chart:
    """One row per question, one dot per answer: how sure the model was (x), coloured right or wrong.

    Questions are the rows (not two 'correct'/'wrong' bands), so no two labels ever share a place."""
    frame = pd.DataFrame([{
        "question": c.question.question, "answer": shown_answer(c), "confidence": c.mean_confidence,
        "result": "correct" if c.correct else "wrong", "prompt": "with context" if c.with_context else "question only",
    } for c in checks])
    order = list(dict.fromkeys(frame["question"]))
    return (
        alt.Chart(frame)
        .mark_point(size=160, filled=True, opacity=0.85)
        .encode(
            x=alt.X("confidence:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"),
                    title="average probability of the answer's tokens"),
            y=alt.Y("question:N", sort=order, title=None, axis=alt.Axis(labelLimit=420)),
            color=alt.Color("result:N", title=None, scale=alt.Scale(domain=["correct", "wrong"],
                                                                    range=["#2e9e4f", "#d62728"]),
                            legend=alt.Legend(orient="right")),
            shape=alt.Shape("prompt:N", title=None, scale=alt.Scale(domain=["question only", "with context"],
                                                                    range=["circle", "triangle-up"]),
                            legend=alt.Legend(orient="right", labelLimit=200)),
            tooltip=[alt.Tooltip("question"), alt.Tooltip("answer"), alt.Tooltip("confidence:Q", format=".0%"),
                     alt.Tooltip("result"), alt.Tooltip("prompt")],
        )
        .properties(height=alt.Step(26))
    )
