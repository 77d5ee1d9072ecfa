"""Heatmaps drawn as one picture: a grid of numbers painted into a small PNG in Python and stretched over the
chart's plot square by a Vega-Lite image mark. A browser draws one image in a millisecond where hundreds of
rectangles cost it tens of milliseconds on every knob press and every frame of a training animation."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd
from PIL import Image


def paint(values: np.ndarray, domain: Sequence[float], colours: Sequence[str]) -> np.ndarray:
    """RGB bytes for each number: straight lines in RGB between `colours` placed at the `domain` stops (the
    same ramp as a Vega-Lite scale with interpolate="rgb"); numbers outside the domain take the end colours."""
    rgb = np.array([[int(colour[i:i + 2], 16) for i in (1, 3, 5)] for colour in colours], dtype=float)
    flat = np.asarray(values, dtype=float).ravel()
    channels = [np.interp(flat, domain, rgb[:, channel]) for channel in range(3)]
    return np.rint(np.stack(channels, axis=-1)).astype(np.uint8).reshape(*np.shape(values), 3)


def heat_frame(grid: np.ndarray, x: tuple[float, float], y: tuple[float, float], domain: Sequence[float],
               colours: Sequence[str], **columns: object) -> pd.DataFrame:
    """The data of heat_layer for one picture (see heat_row)."""
    return pd.DataFrame([heat_row(grid, x, y, domain, colours, **columns)])


def heat_row(grid: np.ndarray, x: tuple[float, float], y: tuple[float, float], domain: Sequence[float],
             colours: Sequence[str], **columns: object) -> dict[str, object]:
    """One row of heat_layer's data: the grid (row 0 at the bottom, as on the chart) as a PNG data URL
    covering x[0]..x[1], y[0]..y[1] in data units, plus any extra `columns` (a facet's name, say). Its
    "legend" column only gives heat_layer's colour scale a field: the colours are in the picture."""
    pixels = paint(np.flipud(np.asarray(grid)), domain, colours)  # a picture's first row is its top
    return {"x": x[0], "x2": x[1], "y": y[0], "y2": y[1], "url": picture_url(pixels), "legend": domain[0], **columns}


def picture_url(pixels: np.ndarray) -> str:
    """RGB bytes (rows from the top) as a PNG data URL, for an image mark."""
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def heat_layer(data: str, x: alt.X, y: alt.Y, scale: alt.Scale, title: str | None,
               opacity: float = 1.0) -> alt.Chart:
    """The image mark for heat_frame rows in the named dataset `data`, with a colour legend (`title`; None
    draws none) from `scale`: give it the domain and colours the pictures were painted with, and
    interpolate="rgb"."""
    legend = alt.Legend(title=title) if title is not None else None
    return alt.Chart(alt.NamedData(data)).mark_image(aspect=False, opacity=opacity, clip=True).encode(
        x=x, x2=alt.X2("x2"), y=y, y2=alt.Y2("y2"), url=alt.Url("url:N"),
        color=alt.Color("legend:Q", scale=scale, legend=legend))
