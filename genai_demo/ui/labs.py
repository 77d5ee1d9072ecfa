"""Widgets shared by the GAN and VAE labs: train controls, a live training loop, charts, crisp images."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from genai_demo.gan import PLOT_RANGE, TrainingDiverged

if TYPE_CHECKING:
    from genai_demo.gan import GanTrainer

FRAME_SECONDS = 0.25  # the view is redrawn about four times per second while training
PLAY_CHUNK_SECONDS = 2.0  # one script run of "play" trains this long, then reruns itself
PLAY_MAX_SECONDS = 60.0  # a forgotten tab must not keep a shared CPU busy forever

REAL_COLOR, FAKE_COLOR = "#2e8b57", "#8e44ad"


@dataclass
class LiveStats:
    steps: int
    frames: int
    seconds: float

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0


def train_live(train: Callable[[int], None], draw: Callable[[], None], steps: int, seconds: float = math.inf,
               frame_seconds: float = FRAME_SECONDS) -> LiveStats:
    """Train in chunks sized so that training plus one redraw takes about `frame_seconds`."""
    done, frames, chunk = 0, 0, 1
    start = time.perf_counter()
    while done < steps and time.perf_counter() - start < seconds:
        began = time.perf_counter()
        count = min(chunk, steps - done)
        train(count)
        done += count
        trained = time.perf_counter()
        draw()
        frames += 1
        per_step = (trained - began) / count
        drawing = time.perf_counter() - trained
        # Training gets what the redraw leaves of the frame, but never less than half of it: on a busy
        # machine a slow redraw would otherwise starve training to one step per frame.
        chunk = max(1, int(max(frame_seconds - drawing, frame_seconds / 2) / per_step))
    return LiveStats(done, frames, time.perf_counter() - start)


# --- controls ---------------------------------------------------------------------------------------


@dataclass
class TrainRequest:
    steps: int
    train: bool
    reset: bool
    playing: bool


def _toggle_play(key: str) -> None:
    st.session_state[key] = not st.session_state.get(key, False)
    st.session_state[key + "_since"] = time.time()


def train_controls(prefix: str, default_steps: int, limit: int) -> TrainRequest:
    """Steps box, 'Train N steps', 'Play/Pause' and 'Reset', with keys prefixed by the page's name."""
    playing_key = f"{prefix}_playing"
    steps_col, train_col, play_col, reset_col = st.columns([1.3, 1.3, 1, 1], vertical_alignment="bottom")
    steps = steps_col.number_input("Steps", min_value=0, max_value=limit, value=min(default_steps, limit), step=50,
                                   key=f"{prefix}_steps", help=f"At most {limit} per click on this server.")
    train = train_col.button(f"Train {int(steps)} steps", key=f"{prefix}_train", type="primary",
                             icon=":material/fitness_center:", width="stretch")
    playing = st.session_state.get(playing_key, False)
    play_col.button("Pause" if playing else "Play", key=f"{prefix}_play", on_click=_toggle_play, args=(playing_key,),
                    icon=":material/pause:" if playing else ":material/play_arrow:", width="stretch")
    reset = reset_col.button("Reset", key=f"{prefix}_reset", icon=":material/restart_alt:", width="stretch")
    return TrainRequest(int(steps), train, reset, st.session_state.get(playing_key, False))


def lab_trainer(prefix: str, config: Any, make: Callable[[Any], Any], default_steps: int,
                limit: int) -> tuple[Any, TrainRequest]:
    """The page's trainer, kept across reruns and rebuilt for new settings or Reset, and the train controls."""
    key = f"{prefix}_trainer"
    trainer = st.session_state.get(key)
    if trainer is None or trainer.config != config:
        trainer = st.session_state[key] = make(config)
    request = train_controls(prefix, default_steps, limit)
    if request.reset:
        trainer = st.session_state[key] = make(config)
    return trainer, request


def run_training(prefix: str, request: TrainRequest, train: Callable[[int], None], draw: Callable[[], None],
                 limit: int) -> LiveStats | None:
    """Carry out a TrainRequest live; bad step counts and divergence become messages, never tracebacks."""
    playing_key = f"{prefix}_playing"
    try:
        if request.train:
            if request.steps < 1:
                st.warning("Choose at least 1 step: with 0 steps nothing is trained.", icon=":material/warning:")
                return None
            return train_live(train, draw, request.steps)
        if request.playing:
            since = st.session_state.get(playing_key + "_since", time.time())
            if time.time() - since > PLAY_MAX_SECONDS:
                st.session_state[playing_key] = False
                st.info(f"Paused after {PLAY_MAX_SECONDS:.0f} s of training. Press Play to go on.")
                return None
            stats = train_live(train, draw, limit, seconds=PLAY_CHUNK_SECONDS)
            st.rerun()
            return stats
    except TrainingDiverged as error:
        st.session_state[playing_key] = False
        st.error(str(error), icon=":material/error:")
    except ValueError as error:
        st.session_state[playing_key] = False
        st.warning(str(error), icon=":material/warning:")
    return None


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


def gan_field_chart(trainer: GanTrainer, side: int = 380, arrows: bool = True) -> alt.LayerChart:
    """Discriminator heatmap (green: 'real', purple: 'fake'), real and generated points, generator push.

    No legends (they would squeeze the square plot); the page explains the colours in a caption."""
    xs, ys, probability = trainer.decision_map()
    half = PLOT_RANGE / math.sqrt(len(xs))
    cells = pd.DataFrame({"x": xs - half, "x2": xs + half, "y": ys - half, "y2": ys + half, "p": probability})
    scale = alt.Scale(domain=[-PLOT_RANGE, PLOT_RANGE], nice=False)
    heatmap = alt.Chart(cells).mark_rect(opacity=0.45).encode(
        x=alt.X("x:Q", scale=scale, title=None), x2="x2", y=alt.Y("y:Q", scale=scale, title=None), y2="y2",
        color=alt.Color("p:Q", scale=alt.Scale(domain=[0, 0.5, 1], range=[FAKE_COLOR, "#ffffff", REAL_COLOR]),
                        legend=None),
        tooltip=[alt.Tooltip("p:Q", title="P(real)", format=".2f")],
    )
    real, fake = trainer.real(300), np.clip(trainer.generated(300), -PLOT_RANGE, PLOT_RANGE)
    points = pd.DataFrame({
        "x": np.concatenate([real[:, 0], fake[:, 0]]), "y": np.concatenate([real[:, 1], fake[:, 1]]),
        "kind": ["real"] * len(real) + ["generated"] * len(fake),
    })
    dots = alt.Chart(points).mark_circle(size=14, opacity=0.8).encode(
        x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale),
        fill=alt.Fill("kind:N", scale=alt.Scale(domain=["real", "generated"], range=[REAL_COLOR, FAKE_COLOR]),
                      legend=None),
    )
    layers: list[Any] = [heatmap, dots]
    if arrows:
        layers += _push_arrows(trainer, scale)
    return alt.layer(*layers).properties(width=side, height=side).resolve_scale(color="independent")


def _push_arrows(trainer: GanTrainer, scale: alt.Scale) -> list[alt.Chart]:
    start, push = trainer.generator_push(40)
    length = np.linalg.norm(push, axis=1, keepdims=True)
    # Arrows show direction and relative strength; the longest is drawn 0.4 units long.
    end = start + push / max(float(length.max()), 1e-9) * 0.4
    keep = np.all(np.abs(start) < PLOT_RANGE, axis=1) & np.all(np.abs(end) < PLOT_RANGE, axis=1)
    angle = (90 - np.degrees(np.arctan2(end[:, 1] - start[:, 1], end[:, 0] - start[:, 0]))) % 360
    frame = pd.DataFrame({"x": start[:, 0], "y": start[:, 1], "x2": end[:, 0], "y2": end[:, 1], "angle": angle})[keep]
    shafts = alt.Chart(frame).mark_rule(color="#222", strokeWidth=1.2, opacity=0.7).encode(
        x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale), x2="x2", y2="y2")
    heads = alt.Chart(frame).mark_point(shape="triangle-up", size=22, filled=True, color="#222", opacity=0.7).encode(
        x=alt.X("x2:Q", scale=scale), y=alt.Y("y2:Q", scale=scale), angle=alt.Angle("angle:Q", scale=None))
    return [shafts, heads]


def crisp_image(image: np.ndarray, width: int = 160, caption: str | None = None) -> None:
    """An 8x8 image in [0, 1] shown large with hard pixel edges (nearest-neighbour, never blurred)."""
    from genai_demo.vae import upscale

    factor = max(1, width // image.shape[0])
    pixels = (np.clip(upscale(image, factor), 0, 1) * 255).astype(np.uint8)
    # PNG, not the default JPEG, whose compression would smear the hard pixel edges.
    st.image(255 - pixels, caption=caption, width=pixels.shape[1], output_format="PNG")  # dark ink on white
