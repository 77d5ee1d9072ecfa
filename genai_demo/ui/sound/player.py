"""Streamlit widgets for the sound pages: a player with its waveform and spectrogram, chips, the token grid."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from genai_demo.sound import audio
from genai_demo.sound.music import EMPTY, TokenGrid
from genai_demo.sound.speech import ReadText
from genai_demo.text.tokens import TokenPiece
from genai_demo.ui.charts import show_chart
from genai_demo.ui.colours import PALE_GREY, WAVEFORM
from genai_demo.ui.progress import place_in_line
from genai_demo.ui.tokens import token_chips

GRID_UPDATES = 24  # redraws of the token grid per clip: often enough to watch, rare enough to stay cheap


def _time_axis(seconds: float) -> alt.X:
    """Seconds from 0 to the end of the sound, so the waveform and the spectrogram line up."""
    return alt.X("seconds:Q", title="seconds", scale=alt.Scale(domain=[0, seconds], nice=False))


def waveform_chart(samples: np.ndarray, sample_rate: int, height: int = 170) -> alt.Chart:
    """The sound's outline: how far the air pressure swings, over time, scaled to its loudest moment so a
    quiet voice fills the chart too. (The height counts the axes: Streamlit fits the whole chart into it, and
    presenter mode's larger axis text needs the room.)"""
    outline = audio.envelope(samples, sample_rate)
    peak = max(float(np.abs(outline.low).max(initial=0.0)), float(np.abs(outline.high).max(initial=0.0)), 0.01)
    frame = pd.DataFrame({"seconds": outline.seconds, "low": outline.low, "high": outline.high})
    return (
        alt.Chart(frame)
        .mark_area(color=WAVEFORM, opacity=0.8)
        .encode(x=_time_axis(samples.size / sample_rate),
                y=alt.Y("low:Q", title="amplitude", scale=alt.Scale(domain=[-peak, peak], nice=False),
                        axis=alt.Axis(tickCount=3, format=".2~f")), y2=alt.Y2("high:Q"))
        .properties(height=height)
    )


def spectrogram_chart(samples: np.ndarray, sample_rate: int, height: int = 240) -> alt.Chart:
    """Which pitches are loud when: time across, frequency up, loudness as colour."""
    picture = audio.spectrogram(samples, sample_rate)
    times, hertz = np.meshgrid(picture.seconds, picture.hertz)
    step_s = float(np.diff(picture.seconds).mean()) if picture.seconds.size > 1 else 0.025
    step_hz = float(np.diff(picture.hertz).mean()) if picture.hertz.size > 1 else 100.0
    frame = pd.DataFrame({"seconds": times.ravel(), "hertz": hertz.ravel(), "dB": picture.decibels.ravel().round(1)})
    frame["seconds_end"], frame["hertz_end"] = frame["seconds"] + step_s, frame["hertz"] + step_hz
    return (
        alt.Chart(frame)
        .mark_rect()
        .encode(x=_time_axis(samples.size / sample_rate), x2=alt.X2("seconds_end:Q"),
                y=alt.Y("hertz:Q", title="frequency (Hz)"), y2=alt.Y2("hertz_end:Q"),
                color=alt.Color("dB:Q", scale=alt.Scale(scheme="magma"), title="dB"),
                tooltip=[alt.Tooltip("seconds:Q", format=".2f"), alt.Tooltip("hertz:Q", format=".0f"),
                         alt.Tooltip("dB:Q")])
        .properties(height=height)
    )


def sound_view(samples: np.ndarray, sample_rate: int, wav: bytes, file_name: str, key: str) -> None:
    """A player, the waveform, the spectrogram and a WAV download (the file records its settings)."""
    st.audio(wav, format="audio/wav", sample_rate=None)
    show_chart(waveform_chart(samples, sample_rate), width="stretch")
    show_chart(spectrogram_chart(samples, sample_rate), width="stretch")
    st.download_button("Download WAV", wav, file_name=file_name, mime="audio/wav", key=key,
                       icon=":material/download:", help="The file's comment records the model and every setting.")


def character_chips(read: ReadText) -> None:
    """The characters the voice reads, with the id each one becomes."""
    pieces = [TokenPiece(token_id, char, char, char.encode("utf-8"), False) for char, token_id in read.characters]
    token_chips(pieces)
    st.caption(f"{len(read.characters)} characters. Between every two the model also gets a blank (id "
               f"{read.ids[0] if read.ids else 0}), so it reads {len(read.ids)} ids in all.")


def token_grid_chart(codes: np.ndarray, frame_rate: int, height: int = 150) -> alt.Chart:
    """EnCodec's tokens: one row per codebook, one column per frame; grey where not predicted yet."""
    codebooks, frames = codes.shape
    frame = pd.DataFrame({
        "codebook": np.repeat(np.arange(1, codebooks + 1), frames),
        "frame": np.tile(np.arange(frames), codebooks),
        "token": codes.ravel(),
    })
    frame["second"] = (frame["frame"] / frame_rate).round(2)
    done = frame[frame["token"] != EMPTY]
    waiting = frame[frame["token"] == EMPTY]
    x = alt.X("frame:Q", title=f"frame ({frame_rate} per second)", scale=alt.Scale(domain=[0, frames]))
    y = alt.Y("codebook:O", title="codebook")
    base = alt.Chart(waiting).mark_tick(color=PALE_GREY, thickness=2).encode(x=x, y=y)
    filled = (alt.Chart(done).mark_tick(thickness=max(1, min(8, 700 // max(frames, 1))))
              .encode(x=x, y=y, color=alt.Color("token:Q", scale=alt.Scale(scheme="viridis"), title="token id"),
                      tooltip=[alt.Tooltip("codebook"), alt.Tooltip("frame"), alt.Tooltip("second"),
                               alt.Tooltip("token")]))
    return (base + filled).properties(height=height)


@contextmanager
def live_grid(codebooks: int, frames: int, frame_rate: int) -> Iterator[Callable[[TokenGrid], None]]:
    """A progress bar and the token grid, redrawn as the tokens arrive; the bar is cleared at the end."""
    bar = st.progress(0.0, text="Reading the prompt…")
    slot = st.empty()
    total = frames + codebooks - 1
    every = max(1, total // GRID_UPDATES)

    def on_step(grid: TokenGrid) -> None:
        bar.progress(grid.steps / total, text=f"Predicting tokens: step {grid.steps} of {total}")
        if grid.steps % every == 0 or grid.steps == total:
            show_chart(token_grid_chart(grid.codes, frame_rate), where=slot, width="stretch")

    try:
        yield on_step
    finally:
        bar.empty()
        slot.empty()


def music_line() -> AbstractContextManager[Callable[[int, float], None]]:
    """The place-in-line notice for a clip waiting for the music model."""
    return place_in_line(("clip is", "clips are"), "composed",
                         "The music model writes one clip at a time, so each one gets the whole computer.")


def speech_line() -> AbstractContextManager[Callable[[int, float], None]]:
    """The place-in-line notice for a sentence waiting for the voice."""
    return place_in_line(("sentence is", "sentences are"), "spoken", "The voice speaks one sentence at a time.")
