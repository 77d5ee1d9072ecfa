"""Charts and pictures shared by the GAN and VAE labs: loss curves, the 2-D GAN field, crisp digit images."""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from genai_demo.nets.gan import PLOT_RANGE
from genai_demo.ui.charts import with_data
from genai_demo.ui.colours import FAKE, PUSH, REAL, WHITE
from genai_demo.ui.heatmaps import heat_frame, heat_layer

if TYPE_CHECKING:
    from genai_demo.nets.gan import GanTrainer


# --- charts ---------------------------------------------------------------------------------------


def loss_chart(history: list[dict[str, float]], series: dict[str, str], height: int = 200) -> alt.Chart:
    """Lines of the loss columns in `history` ({column: colour}) against the step.

    No chart title and a legend on the side: Streamlit fits title and legend inside `height`, so a title
    or a top legend would squash the plot. Callers put a heading above the chart instead."""
    frame = pd.DataFrame(history[-2000:] or [{"step": 0, **{name: np.nan for name in series}}])
    long = frame.melt("step", list(series), var_name="loss", value_name="value").dropna()
    return (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y("value:Q", title="loss", scale=alt.Scale(zero=False)),
            color=alt.Color("loss:N", scale=alt.Scale(domain=list(series), range=list(series.values())),
                            legend=alt.Legend(title=None)),
        )
        .properties(height=height)
    )


def latent_map_chart(codes: np.ndarray, labels: np.ndarray, marker: tuple[float, float] | None = None) -> dict:
    """Vega-Lite spec of a VAE's 2-number codes, one dot per digit coloured by its label, and an optional
    cross at `marker`. A ready spec refilled with data: a knob that moves the cross redraws no Altair chart."""
    dots = pd.DataFrame({"z1": codes[:, 0], "z2": codes[:, 1], "digit": labels.astype(str)})
    cross = pd.DataFrame({"z1": [marker[0]] if marker else [], "z2": [marker[1]] if marker else []})
    return with_data(_latent_map_template(len(dots)), dots=dots, cross=cross)


@cache
def _latent_map_template(count: int) -> dict:
    dots = alt.Chart(alt.NamedData("dots")).mark_circle(size=16, opacity=0.7).encode(
        x=alt.X("z1:Q", title="latent number 1"), y=alt.Y("z2:Q", title="latent number 2"),
        color=alt.Color("digit:N", scale=alt.Scale(scheme="category10"), legend=alt.Legend(orient="right")),
        tooltip=[alt.Tooltip("digit:N"), alt.Tooltip("z1:Q", format=".2f"), alt.Tooltip("z2:Q", format=".2f")],
    )
    cross = alt.Chart(alt.NamedData("cross")).mark_point(shape="cross", size=400, filled=True, color="black").encode(
        x=alt.X("z1:Q"), y=alt.Y("z2:Q"))
    return alt.layer(dots, cross).properties(height=360, title=f"Each dot: one of {count:,} digits, placed by its code"
                                             ).to_dict()


def gan_field_chart(trainer: GanTrainer, side: int = 380, arrows: bool = True) -> dict:
    """Vega-Lite spec of the discriminator's map (green: 'real', purple: 'fake'), real and generated points,
    and the generator's push. A ready spec refilled with each frame's data while the GAN trains.

    No legends (they would squeeze the square plot); the page explains the colours in a caption."""
    _, _, probability = trainer.decision_map()
    resolution = math.isqrt(len(probability))
    span = (-PLOT_RANGE, PLOT_RANGE)
    heat = heat_frame(probability.reshape(resolution, resolution), span, span, (0, 0.5, 1),
                      (FAKE, WHITE, REAL))
    real, fake = trainer.real(300), np.clip(trainer.generated(300), -PLOT_RANGE, PLOT_RANGE)
    points = pd.DataFrame({
        "x": np.concatenate([real[:, 0], fake[:, 0]]), "y": np.concatenate([real[:, 1], fake[:, 1]]),
        "kind": ["real"] * len(real) + ["generated"] * len(fake),
    })
    data = {"heat": heat, "points": points} | ({"push": _push_frame(trainer)} if arrows else {})
    return with_data(_gan_field_template(side, arrows), **data)


def _push_frame(trainer: GanTrainer) -> pd.DataFrame:
    """Arrows from generated points in the direction the generator's loss pushes them (data "push")."""
    start, push = trainer.generator_push(40)
    length = np.linalg.norm(push, axis=1, keepdims=True)
    # Arrows show direction and relative strength; the longest is drawn 0.4 units long.
    end = start + push / max(float(length.max()), 1e-9) * 0.4
    keep = np.all(np.abs(start) < PLOT_RANGE, axis=1) & np.all(np.abs(end) < PLOT_RANGE, axis=1)
    angle = (90 - np.degrees(np.arctan2(end[:, 1] - start[:, 1], end[:, 0] - start[:, 0]))) % 360
    return pd.DataFrame({"x": start[:, 0], "y": start[:, 1], "x2": end[:, 0], "y2": end[:, 1], "angle": angle})[keep]


@cache
def _gan_field_template(side: int, arrows: bool) -> dict:
    scale = alt.Scale(domain=[-PLOT_RANGE, PLOT_RANGE], nice=False)
    heatmap = heat_layer("heat", alt.X("x:Q", scale=scale, title=None), alt.Y("y:Q", scale=scale, title=None),
                         alt.Scale(domain=[0, 0.5, 1], range=[FAKE, WHITE, REAL], interpolate="rgb"),
                         None, opacity=0.45)
    dots = alt.Chart(alt.NamedData("points")).mark_circle(size=14, opacity=0.8).encode(
        x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale),
        fill=alt.Fill("kind:N", scale=alt.Scale(domain=["real", "generated"], range=[REAL, FAKE]),
                      legend=None),
    )
    layers: list[Any] = [heatmap, dots]
    if arrows:
        push = alt.Chart(alt.NamedData("push"))
        layers.append(push.mark_rule(color=PUSH, strokeWidth=1.2, opacity=0.7).encode(
            x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale), x2=alt.X2("x2"), y2=alt.Y2("y2")))
        layers.append(push.mark_point(shape="triangle-up", size=22, filled=True, color=PUSH, opacity=0.7).encode(
            x=alt.X("x2:Q", scale=scale), y=alt.Y("y2:Q", scale=scale), angle=alt.Angle("angle:Q", scale=None)))
    return alt.layer(*layers).properties(width=side, height=side).resolve_scale(color="independent").to_dict()


def crisp_image(image: np.ndarray, width: int = 160, caption: str | None = None) -> None:
    """An 8x8 image in [0, 1] shown large with hard pixel edges (nearest-neighbour, never blurred)."""
    from genai_demo.nets.vae import upscale

    factor = max(1, width // image.shape[0])
    pixels = (np.clip(upscale(image, factor), 0, 1) * 255).astype(np.uint8)
    # PNG, not the default JPEG, whose compression would smear the hard pixel edges.
    st.image(255 - pixels, caption=caption, width=pixels.shape[1], output_format="PNG")  # dark ink on white


def digit_sheet(images: np.ndarray, recognised: np.ndarray | None = None, cell: int = 40,
                border: int = 3) -> np.ndarray:
    """A grid of 8x8 images as one RGB picture: dark ink on white, each in a frame, green where `recognised`."""
    from genai_demo.nets.vae import upscale

    count = len(images)
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    factor = max(1, cell // images.shape[1])
    side = images.shape[1] * factor + 2 * border
    sheet = np.full((rows * side, columns * side, 3), 255, np.uint8)
    for index, image in enumerate(images):
        top, left = index // columns * side, index % columns * side
        frame = (46, 139, 87) if recognised is not None and recognised[index] else (225, 225, 225)
        sheet[top:top + side, left:left + side] = frame
        ink = 255 - (np.clip(upscale(image, factor), 0, 1) * 255).astype(np.uint8)
        sheet[top + border:top + side - border, left + border:left + side - border] = ink[..., None]
    return sheet
