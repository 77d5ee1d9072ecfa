"""Views and cached model work of the Made-up facts page: every question checked, and how sure against how right."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from genai_demo.challenges.hallucination import FactCheck, check_all, load_fact_questions
from genai_demo.engine.bundles import TextModel
from genai_demo.search.retrieval import PassageIndex
from genai_demo.ui.colours import CORRECT, WRONG


@st.cache_data(max_entries=4, show_spinner="Asking the model every question (greedy, a few tokens each)…")
def cached_fact_checks(_lm: TextModel, model_id: str, _index: PassageIndex | None,
                       with_context: bool) -> list[FactCheck]:
    """Every fact question answered, with or without retrieved passages, cached per model id."""
    return check_all(_lm, load_fact_questions(), _index if with_context else None)


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
                                                                    range=[CORRECT, WRONG]),
                            legend=alt.Legend(orient="right")),
            shape=alt.Shape("prompt:N", title=None, scale=alt.Scale(domain=["question only", "with context"],
                                                                    range=["circle", "triangle-up"]),
                            legend=alt.Legend(orient="right", labelLimit=200)),
            tooltip=[alt.Tooltip("question"), alt.Tooltip("answer"), alt.Tooltip("confidence:Q", format=".0%"),
                     alt.Tooltip("result"), alt.Tooltip("prompt")],
        )
        .properties(height=alt.Step(26))
    )
