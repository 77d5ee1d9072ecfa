"""The one Play/Pause loop of every live-training lab: a fragment that trains a little and redraws, on a timer.

While a lab plays, its view is a fragment re-run every FRAME_SECONDS (`st.fragment(run_every=...)`): each
run trains for about TRAIN_SECONDS, then draws once. Pause takes effect at the next run, so it always
answers within a fraction of a second. "Train N steps" is the same loop with a step budget. The trainer
lives in the session (never shared), and a learner who leaves the page stops its training, because a
fragment that is no longer on the page is no longer re-run.

A trainer is any object with `train(steps)` (raising TrainingDiverged or ValueError with a message) and a
`diverged` attribute or none; the page passes `draw(trainer)` to show it.

Everything the loop keeps for a page is one `LiveLab` under the one session key `<page>_lab` (never the page's
own `<page>_state`): the trainer, the settings it was built from, the loop's `LiveState` and whether to scroll
to the result. A lab that keeps more about its trainer (the GAN lab's step-by-step updates) subclasses
LiveLab and passes its class to `session_trainer`. A new trainer (other settings, or Reset) starts a new
LiveLab, so nothing about the old trainer outlives it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import streamlit as st

from genai_demo.nets.training import TrainingDiverged
from genai_demo.ui.inputs import PageInputs
from genai_demo.ui.progress import bring_into_view

FRAME_SECONDS = 0.4  # the view is redrawn about this often while training
TRAIN_SECONDS = 0.25  # of each frame, this long goes to training; drawing and the browser get the rest
PLAY_MAX_SECONDS = 120.0  # Play pauses itself after this: a forgotten tab must not keep a shared CPU busy forever
LAB = "lab"  # the name of a page's one live-lab key: <page>_lab


@dataclass
class LiveState:
    """What the loop remembers for one page of one session."""

    playing: bool = False
    steps_left: int | None = None  # None: play until Pause; a number: "Train N steps" still to do
    started: float = 0.0
    steps_per_second: float = 0.0  # measured, so each frame trains about TRAIN_SECONDS worth
    notice: str | None = None  # why training paused by itself (time or step limit)
    error: str | None = None  # why training failed (a diverged run)


@dataclass
class LiveLab:
    """A live lab's machinery for one page of one session, kept under the one key <page>_lab."""

    trainer: Any = None  # None: none yet, or Reset dropped it; session_trainer builds the next one
    config: Hashable = None  # the settings the trainer was built from
    live: LiveState = field(default_factory=LiveState)
    bring_into_view: bool = False  # a Train or Play click: scroll the result into view on the next draw


Lab = TypeVar("Lab", bound=LiveLab)


def lab(page: PageInputs, kind: type[Lab]) -> Lab:
    """This session's live lab of the page: its `kind` (LiveLab or the page's subclass), made on first use."""
    return page.state(kind, LAB)


def _start(page: PageInputs, budgeted: bool) -> None:
    # The steps box's value as sent with this click (a callback's args would hold the previous run's value).
    steps = int(st.session_state.get(page.key("steps"), 1)) if budgeted else None
    kept = lab(page, LiveLab)
    state = kept.live
    state.playing, state.steps_left, state.started, state.notice = True, steps, time.monotonic(), None
    state.error = None
    kept.bring_into_view = True


def _pause(page: PageInputs) -> None:
    lab(page, LiveLab).live.playing = False


def _reset(page: PageInputs) -> None:
    """Forget the trainer and all the lab kept about it: the next full run builds a fresh one."""
    st.session_state[page.key(LAB)] = type(lab(page, LiveLab))()


def session_trainer(page: PageInputs, config: Hashable, make: Callable[[], Any], kind: type[LiveLab] = LiveLab
                    ) -> Any:
    """This session's trainer for the page, rebuilt when the settings (`config`) change or after Reset.

    `kind` is the page's LiveLab class; a new trainer comes with a new one, so nothing kept about the old
    trainer (the loop's state, a step-by-step report) is left."""
    kept = lab(page, kind)
    if kept.config != config or kept.trainer is None:
        kept = st.session_state[page.key(LAB)] = kind(trainer=make(), config=config)
    return kept.trainer


def train_one_frame(trainer: Any, state: LiveState, seconds: float = TRAIN_SECONDS) -> int:
    """Train for about `seconds` in chunks, honouring the step budget; returns the steps done."""
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds and (state.steps_left is None or state.steps_left > 0):
        chunk = max(1, int(state.steps_per_second * (seconds - (time.perf_counter() - began))))
        if state.steps_left is not None:
            chunk = min(chunk, state.steps_left)
        chunk_began = time.perf_counter()
        trainer.train(chunk)
        elapsed = max(time.perf_counter() - chunk_began, 1e-6)
        state.steps_per_second = chunk / elapsed
        done += chunk
        if state.steps_left is not None:
            state.steps_left -= chunk
    return done


def live_training(page: PageInputs, trainer: Any, draw: Callable[[Any], None], default_steps: int,
                  limit: int) -> None:
    """The train controls and the live view of a lab, as one fragment that re-runs on a timer while playing."""
    playing = lab(page, LiveLab).live.playing
    st.fragment(_live_view, run_every=FRAME_SECONDS if playing else None)(page, trainer, draw, default_steps,
                                                                          limit, playing)


def _live_view(page: PageInputs, trainer: Any, draw: Callable[[Any], None], default_steps: int, limit: int,
               registered_playing: bool) -> None:
    kept = lab(page, LiveLab)
    state = kept.live
    steps_col, train_col, play_col, reset_col = st.columns([1.3, 1.3, 1, 1], vertical_alignment="bottom")
    with steps_col:
        steps = int(page.number("Steps", "steps", 1, limit, min(default_steps, limit), 50,
                                help=f"At most {limit} per click on this server."))
    train_col.button(f"Train {steps} steps", key=page.key("train"), type="primary", icon=":material/fitness_center:",
                     width="stretch", on_click=_start, args=(page, True), disabled=state.playing)
    if state.playing:
        play_col.button("Pause", key=page.key("pause"), icon=":material/pause:", width="stretch",
                        on_click=_pause, args=(page,))
    else:
        play_col.button("Play", key=page.key("play"), icon=":material/play_arrow:", width="stretch",
                        on_click=_start, args=(page, False))
    reset_col.button("Reset", key=page.key("reset"), icon=":material/restart_alt:", width="stretch",
                     on_click=_reset, args=(page,))
    if state.playing != registered_playing or kept.trainer is None:
        st.rerun()  # the timer starts or stops (or Reset) with a full run, which registers the fragment anew

    area = st.container(key=page.key("result"))
    with area:
        if kept.bring_into_view:
            kept.bring_into_view = False
            bring_into_view(page.key("result"))
        if state.playing:
            _advance(trainer, state)
        if state.notice:
            st.info(state.notice, icon=":material/pause_circle:")
        if state.error or getattr(trainer, "diverged", None):
            st.error(state.error or trainer.diverged, icon=":material/error:")
        draw(trainer)
    if state.playing != registered_playing:
        st.rerun()  # the budget ran out or training stopped: stop the timer


def _advance(trainer: Any, state: LiveState) -> None:
    if state.steps_left is None and time.monotonic() - state.started > PLAY_MAX_SECONDS:
        state.playing = False
        state.notice = f"Paused after {PLAY_MAX_SECONDS:.0f} s of training. Press Play to go on."
        return
    try:
        train_one_frame(trainer, state)
    except TrainingDiverged as error:
        state.playing, state.error = False, str(error)
    except ValueError as error:  # a limit, not a failure: e.g. the most steps one run may take
        state.playing, state.notice = False, str(error)
    if state.steps_left is not None and state.steps_left <= 0:
        state.playing = False
