"""Altair charts that more than one page draws."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd


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
