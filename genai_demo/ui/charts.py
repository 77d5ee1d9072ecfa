"""Altair charts that more than one page draws, and the one way every page puts a chart on screen."""

from __future__ import annotations

import os
from functools import partial
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from genai_demo.ui.layout import presenter_mode

if TYPE_CHECKING:
    from altair.typing import ChartType  # any top-level chart: Chart, LayerChart, the concat, facet, repeat charts

# Presenter mode: every chart's text readable from the back of a room at 1280x720 (16 px or more).
PROJECTOR_CONFIG: dict[str, dict[str, int]] = {
    "axis": {"labelFontSize": 16, "titleFontSize": 18, "labelLimit": 320},
    "legend": {"labelFontSize": 16, "titleFontSize": 18, "labelLimit": 320},
    "header": {"labelFontSize": 16, "titleFontSize": 18},
    "title": {"fontSize": 20},
    "text": {"fontSize": 16},
}


# Turning a chart into JSON, Altair checks it against the whole Vega-Lite schema: for a layered chart that
# is most of a knob press's time (about 40 ms of 60 on the Activations page). The app's charts are fixed
# code, so the app skips the check; the tests set GENAI_CHECK_CHARTS=1 and still catch a broken chart.
# (Write encodings as channel objects, alt.X("a:Q"), not strings: Altair turns each string into an
# object by searching its whole schema, about 3 ms a channel on every draw.)
CHECK_CHARTS = os.environ.get("GENAI_CHECK_CHARTS") == "1"


def show_chart(chart: ChartType | dict, where: Any = st, **kwargs: Any) -> Any:
    """Put a chart on the page (or into `where`, a placeholder such as st.empty()): an Altair chart, or a
    ready Vega-Lite spec (a dict, for specs built once and refilled with data). Text is projector-sized in
    presenter mode. Pages call this, never st.altair_chart."""
    if isinstance(chart, dict):
        spec = for_projector_spec(chart) if presenter_mode() else chart
        return where.vega_lite_chart(spec=spec, **kwargs)
    if presenter_mode():
        chart = for_projector(chart)
    return where.altair_chart(chart if CHECK_CHARTS else without_schema_check(chart), **kwargs)


def without_schema_check(chart: ChartType) -> ChartType:
    """A shallow copy of `chart` whose to_dict() (what st.altair_chart calls) skips Altair's schema check."""
    copy = chart.copy(deep=False)
    object.__setattr__(copy, "to_dict", partial(type(chart).to_dict, copy, validate=False))
    return copy


def with_data(spec: dict, **datasets: pd.DataFrame) -> dict:
    """A copy of a spec template with its named datasets filled in (st.vega_lite_chart takes DataFrames)."""
    return {**spec, "datasets": datasets}


def for_projector(chart: ChartType) -> ChartType:
    """The same Altair chart with PROJECTOR_CONFIG's text sizes."""
    return (
        chart.configure_axis(**PROJECTOR_CONFIG["axis"])  # type: ignore[arg-type]  # mypy checks a **dict against every keyword
        .configure_legend(**PROJECTOR_CONFIG["legend"])
        .configure_header(**PROJECTOR_CONFIG["header"])
        .configure_title(**PROJECTOR_CONFIG["title"])
        .configure_text(**PROJECTOR_CONFIG["text"])
    )


def for_projector_spec(spec: dict) -> dict:
    """A copy of a Vega-Lite spec with PROJECTOR_CONFIG's text sizes (the spec's own config kept otherwise)."""
    config = dict(spec.get("config", {}))
    for part, sizes in PROJECTOR_CONFIG.items():
        config[part] = {**config.get(part, {}), **sizes}
    return {**spec, "config": config}


def vector_heatmap(vectors, labels: list[str], scale: alt.Scale, height,
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
            tooltip=[alt.Tooltip("token"), alt.Tooltip("dimension"), alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(height=height)
    )
