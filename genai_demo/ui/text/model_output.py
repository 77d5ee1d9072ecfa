"""Streamlit widgets for language-model output: next-token probability bars, streamed text and its place in
line, and the confidence view."""

from __future__ import annotations

import html
import time
from collections.abc import Iterator, Sequence

import altair as alt
import pandas as pd
import streamlit as st

from genai_demo.engine.bundles import TextModel
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.engine.writer import TextWriter
from genai_demo.text import generation as text_lib
from genai_demo.text.generation import (
    GenerationUpdate,
    NextTokenDistribution,
    NextTokenScores,
    TokenConfidence,
    missing_numbers,
)
from genai_demo.text.guessing import GuessScore, score_guesses
from genai_demo.ui.charts import show_chart
from genai_demo.ui.colours import CUT, KEPT, LEGEND_TEXT, MODEL, NOTE_TEXT, PROMPT_TEXT, SHADED_TEXT
from genai_demo.ui.literal import visible_piece
from genai_demo.ui.panels import model_unavailable_panel

REDRAW_S = 0.1  # streamed text is redrawn at most ten times a second
WAIT_ICON = ":material/hourglass_top:"


@st.cache_data(max_entries=64, show_spinner=False)
def _context_scores(_lm: TextWriter, model_id: str, text: str,
                    extra_ids: tuple[int, ...]) -> tuple[list[int], bool, NextTokenScores]:
    ids, truncated = text_lib.context_ids(_lm, text, extra_ids)
    return ids, truncated, text_lib.next_token_scores(_lm, ids)


def next_token_view(lm: TextWriter, text: str, knobs: SamplingSettings, top: int,
                    extra_ids: Sequence[int] = ()) -> NextTokenDistribution:
    """The next-token distribution under the knobs; the model runs once per context, not once per knob change.

    A model that cannot score (a server that is down, or sends no scores) shows the shared panel and stops."""
    try:
        ids, truncated, scores = _context_scores(lm, lm.model_id, text, tuple(int(i) for i in extra_ids))
    except ModelUnavailable as error:
        model_unavailable_panel(error)
        st.stop()
    return text_lib.distribution_from_scores(lm, ids, truncated, scores, knobs, top)


def scored_guesses(lm: TextModel, text: str, guesses: Sequence[str]) -> list[GuessScore]:
    """Where each guess ranks among the model's next tokens after `text` (the model runs once per text)."""
    _ids, _truncated, scores = _context_scores(lm, lm.model_id, text, ())
    return score_guesses(lm, text, scores.logits, guesses)


def listed_note(dist: NextTokenDistribution) -> str | None:
    """What a distribution from a server's scores leaves out (None for a model here, which scores every token)."""
    if dist.listed is None:
        return None
    note = (f"The server sent its {dist.listed} most likely next tokens, which hold {percent(dist.listed_mass)} "
            "of the model's probability.")
    if dist.rest_kept:
        note += (" Your knobs also keep some of the tokens it did not list: their share after your knobs is drawn "
                 "as it is at temperature 1 (exact there; at other temperatures the server, which sees its whole "
                 "vocabulary, draws them a little more or less often).")
    return note


def percent(p: float) -> str:
    """A probability for people: 12.3%, and tiny ones as 0.0041% rather than 0.0%."""
    if p == 0:
        return "0%"
    return f"{p:.1%}" if p >= 0.001 else f"{p * 100:.2g}%"


def paced(updates: Iterator[GenerationUpdate], seconds: float = REDRAW_S) -> Iterator[GenerationUpdate]:
    """The updates worth drawing: at most one per `seconds`, plus every change of waiting and the last one.

    The model writes a token every few milliseconds when the class is small; redrawing the page for each
    one costs the server and every browser more than the writing itself. A model that fails while
    writing (a serving engine that is down or refuses) shows the shared panel and stops the page.
    """
    shown_at = 0.0
    held = None
    try:
        for update in updates:
            now = time.monotonic()
            if update.done or update.waiting or now - shown_at >= seconds:
                shown_at, held = now, None
                yield update
            else:
                held = update
    except ModelUnavailable as error:
        model_unavailable_panel(error)
        st.stop()
    if held is not None:
        yield held


def numbers_missing_notice(lm, *places) -> bool:
    """In each place (a tab, a column), say which numbers a served model does not give; True if it did."""
    missing = missing_numbers(lm)
    if missing:
        for place in places:
            place.info(missing, icon=":material/cloud:")
    return missing is not None


def queue_note(update: GenerationUpdate) -> str:
    """What a learner whose text waits for room in the shared model's batch is told."""
    ahead = update.rows_ahead or 0
    wait = update.expected_wait_s or 0.0
    when = "starting now" if wait < 1 else f"about {wait:.0f} s"
    if update.prompt_read is not None:
        return (f"{WAIT_ICON} Reading your prompt: {update.prompt_read:,} of {len(update.prompt.ids):,} tokens "
                f"({when} to go). A long prompt is read a piece at a time, so other learners keep writing.")
    if ahead == 0:
        return (f"{WAIT_ICON} Waiting for a free place in the model's batch ({when}): other learners are "
                "writing right now.")
    rows = "text" if ahead == 1 else "texts"
    return (f"{WAIT_ICON} In line behind {ahead} {rows} of other learners ({when}); yours starts as soon as a place "
            "is free.")


def continuation_html(prompt: str, continuation: str, note: str = "", keep_prompt_chars: int = 160) -> str:
    """The note, then the end of the prompt in grey (none when `prompt` is empty: an answer to a message reads
    on its own), then the generated text in bold (for st.html)."""
    shown = ("…" if len(prompt) > keep_prompt_chars else "") + prompt[-keep_prompt_chars:]

    def block(text: str) -> str:
        return html.escape(text).replace("\n", "<br>")

    header = (f'<div style="font-size:0.8rem;color:{NOTE_TEXT};margin-bottom:0.3rem">{html.escape(note)}</div>'
              if note else "")
    return (f'{header}<div style="white-space:pre-wrap;line-height:1.6">'
            f'<span style="color:{PROMPT_TEXT}">{block(shown)}</span><b>{block(continuation)}</b></div>')


def probability_chart(dist: NextTokenDistribution, height: int | None = None) -> None:
    """Bars for the top candidates: the model's own probability, and what the knobs leave (cut ones greyed)."""
    labels = []
    for piece, token_id in zip(dist.pieces, dist.token_ids):
        label = visible_piece(piece)
        labels.append(label if label not in labels else f"{label} ({token_id})")
    rows = []
    for label, token_id, prob, adjusted, kept in zip(labels, dist.token_ids, dist.probs, dist.adjusted_probs,
                                                     dist.kept):
        common = {"token": label, "id": token_id, "model": percent(prob), "after knobs": percent(adjusted),
                  "status": "kept" if kept else "cut off"}
        rows.append({**common, "bar": "model (temperature 1)" if kept else "cut off by your knobs",
                     "probability": prob})
        rows.append({**common, "bar": "after your knobs", "probability": adjusted})
    data = pd.DataFrame(rows)
    colors = alt.Scale(domain=["model (temperature 1)", "after your knobs", "cut off by your knobs"],
                       range=[MODEL, KEPT, CUT])
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("token:N", sort=labels, title=None, axis=alt.Axis(labelLimit=140)),
            yOffset=alt.YOffset("bar:N", sort=["model (temperature 1)", "cut off by your knobs", "after your knobs"]),
            x=alt.X("probability:Q", title="probability", axis=alt.Axis(format="%")),
            color=alt.Color("bar:N", scale=colors, title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("token"), alt.Tooltip("id"), alt.Tooltip("model"), alt.Tooltip("after knobs"),
                     alt.Tooltip("status")],
        )
        .properties(height=height or max(220, 34 * len(labels)))
    )
    show_chart(chart, width="stretch")


def _shade(prob: float) -> str:
    # Red for a surprise, through yellow, to green for a token the model was sure about.
    return f"hsl({round(120 * prob)}, 75%, 82%)"


def confidence_view(confidences: list[TokenConfidence], key: str = "confidence_view") -> None:
    """Each token shaded by the probability the model gave it; hover a token (or pick it below) for alternatives."""
    if not confidences:
        st.info("No tokens to show yet.")
        return
    spans = []
    for position, c in enumerate(confidences):
        alternatives = ", ".join(f"{visible_piece(piece)} {percent(p)}" for piece, p in c.alternatives)
        title = f"#{position + 1} id {c.token_id}: {percent(c.prob)}. Top choices: {alternatives}"
        text = html.escape(c.piece).replace("\n", "⏎<br>")
        spans.append(f'<span title="{html.escape(title, quote=True)}" style="background:{_shade(c.prob)};'
                     'border-radius:4px;padding:1px 2px;margin:1px 0;white-space:pre-wrap;'
                     f'color:{SHADED_TEXT}">{text}</span>')
    legend = (f'<span style="font-size:0.8rem;color:{LEGEND_TEXT}">shading: '
              f'<span style="background:{_shade(0.0)};padding:0 4px">surprise (0%)</span> '
              f'<span style="background:{_shade(0.5)};padding:0 4px">50%</span> '
              f'<span style="background:{_shade(1.0)};padding:0 4px">sure (100%)</span></span>')
    st.html(f'<div style="line-height:1.9;font-size:1.05rem">{"".join(spans)}</div>{legend}')
    options = list(range(len(confidences)))
    position = st.selectbox(  # type: ignore[assignment]  # mypy's 3.10 has no typing.Never: streamlit's empty-options overload (-> None) matches
        "Look at one token", options, key=key,
        format_func=lambda i: f"#{i + 1}  {visible_piece(confidences[i].piece)}  ({percent(confidences[i].prob)})",
    )
    chosen = confidences[position]
    table = pd.DataFrame({
        "candidate": [visible_piece(piece) for piece, _ in chosen.alternatives],
        "probability": [percent(p) for _, p in chosen.alternatives],
        "chosen": ["◀ this one" if piece == chosen.piece else "" for piece, _ in chosen.alternatives],
    })
    st.caption(f"The model gave **{visible_piece(chosen.piece)}** (id {chosen.token_id}) a probability of "
               f"{percent(chosen.prob)}. Its top choices at that point:")
    st.dataframe(table, hide_index=True, width="stretch")
