"""The Class page's pieces: the join banner, the four live views, the guess box and the teacher's controls.

A live view is a fragment that reruns on its own every few seconds. It only reads the class store and draws:
nothing heavy runs on a refresh (the model's next-token numbers for the guessing round are computed once
per prompt and cached).
"""

from __future__ import annotations

import html
import json
from functools import lru_cache

import altair as alt
import pandas as pd
import streamlit as st

from genai_demo.classroom import links, summaries
from genai_demo.classroom.store import ClassError, ClassInfo, ClassStore, Entry, Member, entries_csv
from genai_demo.engine.bundles import TextModel
from genai_demo.engine.sampling import SamplingSettings
from genai_demo.text.variety import repeated_share, word_count
from genai_demo.ui import loaders
from genai_demo.ui.charts import show_chart, with_data
from genai_demo.ui.classroom.membership import TEACHER_KEY_KEY
from genai_demo.ui.colours import CARD_BORDER, INK, NOTE_TEXT
from genai_demo.ui.layout import grid
from genai_demo.ui.literal import plain_markdown, visible_piece
from genai_demo.ui.text.model_output import next_token_view, numbers_missing_notice, percent, scored_guesses
from genai_demo.ui.tuning.charts import loss_chart

REFRESH_S = 1.5  # a learner's entry is on the projector within about this long
PAGE = links.CLASS_PAGE
MAX_CARDS = 120  # texts drawn on the projector; the chart and the counts use them all
_GOOD, _BAD = ":green[:material/check_circle:]", ":orange[:material/info:]"


def key(name: str) -> str:
    """The session key of one of the Class page's own widgets (not bound to the address)."""
    return f"{PAGE}_{name}"


def app_base() -> str:
    """The app's address as this browser reached it (join links are built on it)."""
    return links.app_base(st.context.url or "http://localhost:8501")


def join_banner(code: str) -> None:
    """The code in large letters, the join link and its QR code: what the room copies from the projector."""
    link = links.join_link(app_base(), code)
    words, qr = st.columns([3, 1], vertical_alignment="center")
    with words:
        st.html(f'<div class="gd-class-code" style="font-size:4.5rem;font-weight:700;letter-spacing:0.3rem;'
                f'line-height:1.1">{code}</div>')
        st.markdown(f"Join: scan the code, or open **{link}**, or type **{code}** in the sidebar's *Join or "
                    "start a class* box.")  # the link holds no learner's text: the code is letters and digits
    with qr:
        st.image(links.qr_png(link), caption="Scan to join", width=200)


def round_status(info: ClassInfo, round_name: str) -> str:
    """'open' in green or 'closed' in orange."""
    return ":green[open]" if info.is_open(round_name) else ":orange[closed]"


def fresh_info(store: ClassStore, code: str) -> ClassInfo | None:
    """The class as it is now; a message instead when it was cleared away or the database stopped."""
    try:
        info = store.get_class(code)
    except ClassError as error:
        st.warning(str(error), icon=":material/database_off:")
        return None
    if info is None:
        st.warning("This class no longer exists (its time ran out, or the code is wrong).", icon=":material/group_off:")
    return info


def _class_and_entries(store: ClassStore, code: str, kinds: tuple[str, ...]) -> tuple[ClassInfo, list[Entry]] | None:
    """What a live view shows: the class now and its visible entries of `kinds`; None, said why, if it cannot."""
    info = fresh_info(store, code)
    if info is None:
        return None
    try:
        return info, store.entries(code, kinds)
    except ClassError as error:
        st.warning(str(error), icon=":material/database_off:")
        return None


# --- 1. text generation ------------------------------------------------------------------------------


def describe_knobs(settings: dict) -> str:
    """A text's knobs in a few words, as on the Text generation page."""
    if not settings.get("temperature"):
        return "greedy"
    return (f"temperature {settings.get('temperature'):g} · top-k {settings.get('top_k') or 'off'} · "
            f"top-p {settings.get('top_p'):g} · seed {settings.get('seed')}")


def temperature_chart(texts: list[Entry]) -> dict:
    """One dot per text: its temperature against how much of it repeats earlier words."""
    rows = pd.DataFrame([{"temperature": float(entry.settings.get("temperature") or 0.0),
                          "repeated words": repeated_share(entry.text), "learner": entry.name,
                          "words": word_count(entry.text), "knobs": describe_knobs(entry.settings)}
                         for entry in texts])
    return with_data(_temperature_template(), texts=rows)


@lru_cache(maxsize=1)  # built once: a refresh only fills in the dots
def _temperature_template() -> dict:
    return (
        alt.Chart(alt.NamedData("texts")).mark_circle(size=160, opacity=0.75)
        .encode(x=alt.X("temperature:Q", scale=alt.Scale(domain=[0, 2]), title="temperature"),
                y=alt.Y("repeated words:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                        title="repeated words"),
                tooltip=["learner:N", "knobs:N", "words:Q", alt.Tooltip("repeated words:Q", format=".0%")])
        .properties(height=300)
        .to_dict()
    )


def _repeats_note(texts: list[Entry]) -> str:
    """What the chart shows about this class's texts, in words: from the numbers, not from a textbook."""
    explain = ("Low temperature picks the likeliest next word each time; high temperature also picks surprising "
               "ones. Read the cards to see what that does to the story.")
    trend = summaries.repeats_by_temperature(texts, repeated_share)
    if trend is None:
        return (f"{explain} With texts at temperature {summaries.LOW_TEMPERATURE:g} or less and at "
                f"{summaries.HIGH_TEMPERATURE:g} or more, this line compares how much each repeats.")
    low, high = trend
    if high < low - 0.05:
        verdict = "fewer repeats at high temperature"
    elif high > low + 0.05:
        verdict = "more repeats at high temperature"
    else:
        verdict = "about the same either way"
    return (f"{explain} In this class, texts at temperature {summaries.LOW_TEMPERATURE:g} or less repeat {low:.0%} "
            f"of their words, texts at {summaries.HIGH_TEMPERATURE:g} or more {high:.0%}: {verdict}.")


def text_cards_html(texts: list[Entry]) -> str:
    """Every learner's text as a card, three to a row, in one HTML block (one element to redraw per refresh,
    not two per learner). Names and texts are escaped: shown exactly as sent, never run or rendered."""
    cards = "".join(
        f'<div class="gd-card"><div class="gd-card-head"><b>{html.escape(entry.name)}</b> · '
        f'{html.escape(describe_knobs(entry.settings))}</div>'
        f'<div class="gd-card-text">{html.escape(entry.text) or "<i>(nothing: the model ended at once)</i>"}</div>'
        "</div>" for entry in texts)
    return _CARDS_STYLE + f'<div class="gd-cards">{cards}</div>'


_CARDS_STYLE = f"""<style>
.gd-cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 0.75rem; }}
.gd-card {{ border: 1px solid {CARD_BORDER}; border-radius: 0.5rem; padding: 0.6rem 0.8rem; }}
.gd-card-head {{ font-size: 0.85em; color: {NOTE_TEXT}; margin-bottom: 0.3rem; }}
.gd-card-head b {{ color: {INK}; }}
.gd-card-text {{ white-space: pre-wrap; line-height: 1.5; overflow-wrap: anywhere; }}
</style>"""


@st.fragment(run_every=REFRESH_S)
def text_view(store: ClassStore, code: str) -> None:
    """The class prompt, the temperature chart, learners with the same settings, and every learner's texts."""
    found = _class_and_entries(store, code, ("text",))
    if found is None:
        return
    info, entries = found
    if not info.text_prompt:
        st.info("The teacher has not set a prompt yet. When they do, open **Text generation**, pick your own "
                "temperature and press Generate: your texts appear here.", icon=":material/hourglass_top:")
        return
    texts = summaries.latest_texts([e for e in entries if e.settings.get("prompt") == info.text_prompt])
    st.markdown(f"**The class prompt** (round {round_status(info, 'text')}): {plain_markdown(info.text_prompt)}")
    learners = len({entry.learner for entry in texts})
    st.caption(f"{learners} learner{'s' if learners != 1 else ''} · {len(texts)} texts · each learner's latest "
               "press of Generate on Text generation with this prompt.")
    if not texts:
        st.info("No texts yet: open **Text generation**, use the class prompt, pick a temperature, press Generate.")
        return
    show_chart(temperature_chart(texts), width="stretch")
    st.caption(_repeats_note(texts))
    for group in summaries.same_settings(texts)[:3]:
        who = ", ".join(group.names[:4]) + (f" and {len(group.names) - 4} more" if len(group.names) > 4 else "")
        knobs = describe_knobs(group.knobs)
        if group.identical and knobs == "greedy":
            st.markdown(f"{_GOOD} **{plain_markdown(who)}** picked greedily and wrote exactly the same text: greedy "
                        "picking has no randomness, so the same prompt gives the same words every time.")
        elif group.identical:
            st.markdown(f"{_GOOD} **{plain_markdown(who)}** used the same settings ({knobs}) and wrote exactly the "
                        "same text: the seed fixes every random draw, so the same prompt, knobs and seed give the "
                        "same words.")
        else:
            st.markdown(f"{_BAD} **{plain_markdown(who)}** used the same settings ({knobs}) but their texts "
                        "differ (a different model or length limit on their page).")
    ordered = sorted(texts, key=lambda entry: float(entry.settings.get("temperature") or 0.0))[:MAX_CARDS]
    with st.container(height=520):
        st.html(text_cards_html(ordered))


# --- 2. guess the next token ---------------------------------------------------------------------------


def guess_box(store: ClassStore, info: ClassInfo, member: Member) -> None:
    """A learner's guess for the word after the teacher's prompt (one per learner: a new one replaces it)."""
    if not info.guess_prompt or not info.is_open("guess"):
        return
    with st.form(key("guess_form"), clear_on_submit=True, border=True):
        st.markdown(f"**Your guess:** which word comes next after *{plain_markdown(info.guess_prompt)}*?")
        guess = st.text_input("Next word", key=key("guess"), max_chars=40, placeholder="one word")
        if st.form_submit_button("Send my guess", icon=":material/send:"):
            if not guess.strip():
                st.warning("Type a word first.")
            else:
                try:
                    store.submit(info.code, member.learner, PAGE, "guess", [(guess, {"prompt": info.guess_prompt})])
                    st.success(f"Guess sent: {plain_markdown(guess.strip())}. A new guess replaces it.")
                except ClassError as error:
                    st.warning(str(error))


@st.fragment(run_every=REFRESH_S)
def guess_view(store: ClassStore, code: str) -> None:
    """The guessing prompt and the class's guesses; once the round is closed, the model's own answer beside them."""
    found = _class_and_entries(store, code, ("guess",))
    if found is None:
        return
    info, entries = found
    if not info.guess_prompt:
        st.info("The teacher has not set a guessing prompt yet.", icon=":material/hourglass_top:")
        return
    guesses = [e for e in entries if e.settings.get("prompt") == info.guess_prompt]
    st.markdown(f"**What comes next?** (round {round_status(info, 'guess')}) "
                f"*{plain_markdown(info.guess_prompt)}* …")
    counts = summaries.guess_counts(guesses)
    st.caption(f"{len(guesses)} guesses from {len({e.learner for e in guesses})} learners.")
    if info.is_open("guess"):
        if counts:
            show_chart(_guess_chart(counts), width="stretch")
        st.info("The model's own answer appears when the teacher closes the round.", icon=":material/visibility_off:")
        return
    lm = loaders.text_writer()
    if numbers_missing_notice(lm, st) or not isinstance(lm, TextModel):
        return
    left, right = st.columns(2)
    with left:
        st.markdown("**The model's top 10**")
        dist = next_token_view(lm, info.guess_prompt, SamplingSettings(), top=10)
        show_chart(_top_chart(dist.pieces, dist.probs), width="stretch")
    with right:
        st.markdown("**The class's guesses, as the model sees them**")
        if not counts:
            st.caption("No guesses were sent.")
            return
        scores = {score.guess.lower(): score for score in scored_guesses(lm, info.guess_prompt,
                                                                         [word for word, _ in counts])}
        rows = [{"guess": word, "learners": count,
                 "model's probability": percent(scores[word].prob) if word in scores else "–",
                 "rank": scores[word].rank if word in scores else None,
                 "first token": visible_piece(scores[word].piece) if word in scores else ""}
                for word, count in counts[:30]]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        best = min(scores.values(), key=lambda score: score.rank, default=None)
        if best is not None:
            st.markdown(f"Closest to the model: **{plain_markdown(best.guess)}**, its choice number {best.rank}. A "
                        "guess of several tokens is ranked by its first token.")


def _guess_chart(counts: list[tuple[str, int]]) -> alt.Chart:
    data = pd.DataFrame([{"guess": word, "learners": count} for word, count in counts[:15]])
    return (alt.Chart(data).mark_bar().encode(y=alt.Y("guess:N", sort="-x", title=None),
                                              x=alt.X("learners:Q", title="learners", axis=alt.Axis(tickMinStep=1)))
            .properties(height=max(120, 34 * len(data))))


def _top_chart(pieces: list[str], probs: list[float]) -> alt.Chart:
    labels: list[str] = []
    for piece in pieces:
        label = visible_piece(piece)
        labels.append(label if label not in labels else label + " ")
    data = pd.DataFrame({"token": labels, "probability": probs})
    return (alt.Chart(data).mark_bar().encode(y=alt.Y("token:N", sort=labels, title=None),
                                              x=alt.X("probability:Q", axis=alt.Axis(format="%")))
            .properties(height=34 * len(labels)))


# --- 3. class feedback ---------------------------------------------------------------------------------


@st.fragment(run_every=REFRESH_S)
def feedback_view(store: ClassStore, code: str) -> None:
    """The live tally of the class's votes, and what training on them did to the model."""
    found = _class_and_entries(store, code, ("vote",))
    if found is None:
        return
    info, votes = found
    tallies = summaries.vote_tally(votes)
    cells = st.columns(3)
    cells[0].metric("Votes", len(votes))
    cells[1].metric("Learners voting", len({vote.learner for vote in votes}))
    cells[2].metric("Pairs voted on", len(tallies))
    st.caption(f"Votes round {round_status(info, 'votes')}. Learners vote on the **RLHF** page: every pair they "
               "pick A or B on counts here. With the same prompt and seed, everyone gets the same pairs.")
    if tallies:
        rows = [{"prompt": t.prompt, "answer A": t.a, "votes A": t.votes_a, "answer B": t.b, "votes B": t.votes_b}
                for t in tallies[:40]]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=min(400, 40 + 36 * len(rows)))
    feedback = info.feedback
    if feedback:
        _trained(feedback)


def _trained(feedback: dict) -> None:
    st.markdown(f"**The model, trained on the class's {feedback['pairs']} votes** (DPO, "
                f"{len(feedback['losses'])} steps, {feedback['seconds']:.0f} s)")
    cells = st.columns(3)
    cells[0].metric("Reward model agrees with the votes", f"{feedback['reward_accuracy']:.0%}")
    cells[1].metric("Mean words: before → after", f"{feedback['words_before']:.1f} → {feedback['words_after']:.1f}")
    cells[2].metric("Weight the reward gives length", f"{feedback['length_weight']:+.2f}",
                    help="Positive: the class liked longer answers; negative: shorter ones.")
    show_chart(loss_chart(feedback["losses"], len(feedback["losses"]), "DPO loss"), width="stretch")
    for sample in feedback["samples"]:
        st.markdown(f"*{plain_markdown(sample['prompt'])}*: the same seeds before and after (drift from the "
                    f"base: KL {sample['kl']:.3f} per token)")
        for seed, before, after, reward_before, reward_after in zip(sample["seeds"], sample["before"],
                                                                    sample["after"], sample["reward_before"],
                                                                    sample["reward_after"]):
            left, right = st.columns(2)
            with left.container(border=True):
                st.markdown(f"**Before**, seed {seed} · reward {reward_before:+.2f}")
                st.markdown(plain_markdown(before) or "*(nothing)*")
            with right.container(border=True):
                st.markdown(f"**After the class's votes**, seed {seed} · reward {reward_after:+.2f}")
                st.markdown(plain_markdown(after) or "*(nothing)*")


# --- 4. gallery ----------------------------------------------------------------------------------------


@st.cache_data(max_entries=512, show_spinner=False)
def _entry_data(_store: ClassStore, url: str, code: str, entry_id: int) -> bytes | None:
    """An entry's picture or sound (entries never change, so each is read from the database once)."""
    return _store.entry_data(code, entry_id)


@st.fragment(run_every=2 * REFRESH_S)
def gallery_view(store: ClassStore, code: str) -> None:
    """Pictures and clips the class sent, newest first, each with its settings and a link that makes it again."""
    found = _class_and_entries(store, code, ("picture", "sound"))
    if found is None:
        return
    info, items = found
    st.caption(f"Gallery {round_status(info, 'gallery')}: press **Send to the class gallery** under a picture on "
               "Image generation, or under a clip on Text to speech or Text to music.")
    if not items:
        st.info("Nothing in the gallery yet.", icon=":material/photo_library:")
        return
    newest_first = list(reversed(items))[:60]
    for cell, item in zip(grid(len(newest_first), per_row=3, border=True), newest_first):
        with cell:
            data = _entry_data(store, store.url, code, item.id)
            if data is None:
                continue
            if item.kind == "picture":
                st.image(data, width="stretch")
            else:
                st.audio(data, format="audio/wav")
            st.markdown(f"**{plain_markdown(item.name)}**: {plain_markdown(item.text)}")
            shown = {k: v for k, v in item.settings.items() if k != "link"}
            st.caption(plain_markdown(", ".join(f"{k} {v}" for k, v in shown.items())))
            if item.settings.get("link"):
                st.markdown(f"[:material/replay: Make it again]({item.settings['link']})")


# --- the teacher's controls ----------------------------------------------------------------------------


def teacher_controls(store: ClassStore, info: ClassInfo, member: Member) -> None:
    """Rounds, prompts, hiding, clearing and export: drawn for a teacher of the class only (the store checks
    it again on every action)."""
    with st.expander("Teacher controls (only teachers of this class see them)", expanded=not info.text_prompt,
                     icon=":material/admin_panel_settings:"):
        if info.changed_by:
            st.caption(f"Last change by {plain_markdown(info.changed_by)} at "
                       f"{pd.Timestamp(info.changed, unit='s', tz='UTC').strftime('%H:%M:%S')} UTC.")
        text_col, guess_col = st.columns(2)
        with text_col:
            _prompt_control(store, info, member, "text", "Text generation prompt",
                            "Once upon a time, in a small village by the sea,")
        with guess_col:
            _prompt_control(store, info, member, "guess", "Guess-the-next-word prompt",
                            "The capital of France is")
        cells = st.columns(2)
        for cell, round_name in zip(cells, ("votes", "gallery")):
            with cell:
                _open_close(store, info, member, round_name, f"Close the {round_name}", f"Open the {round_name}")
        st.divider()
        _hide_and_clear(store, info, member)
        _exports(store, info)


def _act(action, *args) -> None:  # noqa: ANN001 - a store method and its arguments
    try:
        action(*args)
    except ClassError as error:
        st.session_state[key("teacher_notice")] = str(error)


def _prompt_control(store: ClassStore, info: ClassInfo, member: Member, round_name: str, label: str,
                    example: str) -> None:
    current = getattr(info, f"{round_name}_prompt")
    st.text_area(label, value=current or example, key=key(f"{round_name}_prompt"), max_chars=500, height=80)
    buttons = st.columns(2)
    buttons[0].button("Set and open", key=key(f"{round_name}_set"), icon=":material/play_arrow:",
                      on_click=lambda: _act(store.set_prompt, info.code, member.learner, round_name,
                                            st.session_state[key(f"{round_name}_prompt")]))
    if current:
        st.caption(f"Round {round_status(info, round_name)}.")
    if current:
        with buttons[1]:
            _open_close(store, info, member, round_name, "Close and reveal" if round_name == "guess" else "Close",
                        "Open")


def _open_close(store: ClassStore, info: ClassInfo, member: Member, round_name: str, close: str, reopen: str) -> None:
    is_open = info.is_open(round_name)
    st.button(close if is_open else reopen, key=key(f"{round_name}_toggle"),
              icon=":material/lock:" if is_open else ":material/lock_open:",
              on_click=_act, args=(store.set_open, info.code, member.learner, round_name, not is_open))


def _hide_and_clear(store: ClassStore, info: ClassInfo, member: Member) -> None:
    try:
        everything = store.entries(info.code, include_hidden=True)
    except ClassError as error:
        st.warning(str(error))
        return
    visible = [entry for entry in reversed(everything) if not entry.hidden][:200]
    hidden = [entry for entry in everything if entry.hidden]
    left, right = st.columns(2)
    with left:
        chosen = st.selectbox("Hide an entry from the projector", visible, index=None, key=key("hide_choice"),
                              format_func=lambda e: f"#{e.id} {e.name} · {e.kind}: {e.text[:50]}",
                              placeholder="newest first")
        if chosen is not None:
            st.button("Hide it", key=key("hide"), icon=":material/visibility_off:", on_click=_act,
                      args=(store.hide, info.code, member.learner, chosen.id, True))
        if hidden:
            back = st.selectbox("Hidden entries", hidden, key=key("unhide_choice"),
                                format_func=lambda e: f"#{e.id} {e.name} · {e.kind}: {e.text[:50]}")
            if back is not None:
                st.button("Show it again", key=key("unhide"), icon=":material/visibility:", on_click=_act,
                          args=(store.hide, info.code, member.learner, back.id, False))
    with right:
        sure = st.checkbox(f"Yes, delete all {len(everything)} entries", key=key("clear_sure"))
        st.button("Clear the class", key=key("clear"), icon=":material/delete_sweep:", disabled=not sure,
                  on_click=_act, args=(store.clear, info.code, member.learner))
    notice = st.session_state.pop(key("teacher_notice"), None)
    if notice:
        st.warning(notice)


def _exports(store: ClassStore, info: ClassInfo) -> None:
    left, middle, right = st.columns(3)
    with left:
        st.download_button("Export everything (JSON)", key=key("export_json"), icon=":material/download:",
                           data=lambda: json.dumps(store.export(info.code), ensure_ascii=False, indent=1),
                           file_name=f"class-{info.code}.json", mime="application/json", on_click="ignore")
    with middle:
        st.download_button("Export entries (CSV)", key=key("export_csv"), icon=":material/table:",
                           data=lambda: entries_csv(store.entries(info.code, include_hidden=True)),
                           file_name=f"class-{info.code}.csv", mime="text/csv", on_click="ignore")
    kept = st.session_state.get(TEACHER_KEY_KEY)
    if kept and kept[0] == info.code:
        with right, st.popover("Teacher link (secret)", icon=":material/key:"):
            st.caption("Open it on another device to teach from there. Keep it off the projector.")
            st.code(links.teacher_link(app_base(), info.code, kept[1]), language=None, wrap_lines=True)
