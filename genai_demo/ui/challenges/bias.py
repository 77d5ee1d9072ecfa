"""Views and cached model work of the Bias page: the filled-in templates, next-word bars, word associations."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from genai_demo.challenges.bias import (
    PLACEHOLDER,
    BiasTemplate,
    NextWordProbability,
    WordGroups,
    association_scores,
    probe,
)
from genai_demo.engine.bundles import Embedder, TextModel
from genai_demo.ui.literal import plain_markdown


def filled_templates_caption(template: BiasTemplate) -> str:
    """Each filled-in prompt, the swapped word in bold, everything else shown literally (a learner's
    template may hold *, $ or # that Markdown would otherwise turn into formatting or maths)."""
    before, _, after = template.template.partition(PLACEHOLDER)
    return " · ".join(f"“{plain_markdown(before)}**{plain_markdown(filler)}**{plain_markdown(after)} …”"
                      for filler in template.fillers)


@st.cache_data(max_entries=32, show_spinner="Asking the model for its next-word probabilities…")
def cached_probe(_lm: TextModel, model_id: str, template: BiasTemplate) -> list[NextWordProbability]:
    """The template's next-word probabilities, cached per model id."""
    return probe(_lm, template)


@st.cache_data(max_entries=16, show_spinner="Embedding the word groups…")
def cached_associations(_embedder: Embedder, model_id: str, groups: WordGroups) -> list[tuple[str, float]]:
    """Each target word's association score between the two groups, cached per model id."""
    return association_scores(_embedder, groups)


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
    """Bars of each target word's score, coloured by the group it sits nearer."""
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
