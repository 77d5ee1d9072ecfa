"""Altair charts that more than one page draws, and the one way every page puts a chart on screen."""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from genai_demo.ui.layout import presenter_mode

# Presenter mode: every chart's text readable from the back of a room at 1280x720.
PROJECTOR_LABEL_PX = 16
PROJECTOR_TITLE_PX = 18


def show_chart(chart: alt.TopLevelMixin, **kwargs: Any) -> Any:
    """st.altair_chart, with projector-sized text when presenter mode is on. Pages call this, not st.altair_chart."""
    if presenter_mode():
        chart = for_projector(chart)
    return st.altair_chart(chart, **kwargs)


def for_projector(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The same chart with axis, legend, header and title text at least PROJECTOR_LABEL_PX pixels."""
    label, title = PROJECTOR_LABEL_PX, PROJECTOR_TITLE_PX
    return (
        chart.configure_axis(labelFontSize=label, titleFontSize=title, labelLimit=320)
        .configure_legend(labelFontSize=label, titleFontSize=title, labelLimit=320)
        .configure_header(labelFontSize=label, titleFontSize=title)
        .configure_title(fontSize=title + 2)
        .configure_text(fontSize=label)
    )


def vector_heatmap(vectors, labels: list[str], scale: alt.Scale, height,  # type: ignore[no-untyped-def]
                   dimension_title: str = "dimension", legend_title: str | None = None) -> alt.Chart:
    """One row per token (labels, in order), one column per number of its vector; the colour is the number.

    `vectors` is [tokens, dims]; `legend_title` None draws no colour legend.
    """
    vectors = np.asarray(vectors, dtype=float)
    n, dims = vectors.shape
    frame = pd.DataFrame({
        "token": np.repeat(labels, dims),
        "dimension": np.tile(np.arange(dims), n),
        "value": vectors.ravel(),
    })
    color = (alt.Color("value:Q", scale=scale, legend=None) if legend_title is None
             else alt.Color("value:Q", scale=scale, title=legend_title))
    return (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("dimension:O", title=dimension_title),
            y=alt.Y("token:N", sort=labels, title=None),
            color=color,
            tooltip=["token", "dimension", alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(height=height)
    )
