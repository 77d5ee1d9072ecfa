"""The class together: the projector view of what the whole room makes, live, and the teacher's controls."""

from __future__ import annotations

import streamlit as st

from genai_demo.classroom.store import ClassError
from genai_demo.config import settings
from genai_demo.engine import kinds
from genai_demo.tuning import class_feedback, dpo, rlhf
from genai_demo.ui import loaders
from genai_demo.ui.charts import show_chart
from genai_demo.ui.classroom import projector
from genai_demo.ui.classroom.membership import current_member, start_class_button, store_or_none
from genai_demo.ui.layout import page_intro, presenter_sized
from genai_demo.ui.tuning.charts import loss_chart

presenter_sized()  # this page is for the projector, whatever the sidebar's switch says
page = page_intro(
    "class_room",
    "Here the whole room's work meets. Every learner who joins with the code below sends what they make on "
    "the pages that take part: their texts for the class prompt, a guess at the model's next word, votes "
    "on pairs of answers, pictures and sounds. The projector shows it all as it arrives.",
)

member = current_member()
store = store_or_none()
if store is None:
    st.warning("The class database is not working, so there is no class view now. Every other page works.",
               icon=":material/database_off:")
    st.stop()
if member is None:
    st.info("You are not in a class. Open the join link or scan the QR code your teacher shows, or type the "
            "class code in the sidebar's **Join or start a class** box.", icon=":material/groups:")
    st.markdown("**Teaching?** Start a class: you get a code and a QR code for the room, and the controls.")
    start_class_button(key="class_room_start")
    st.stop()

info = projector.fresh_info(store, member.code)
if info is None:
    st.stop()
projector.join_banner(info.code)
if member.teacher:
    projector.teacher_controls(store, info, member)
projector.guess_box(store, info, member)


def train_on_votes() -> None:
    """The teacher trains the reward model and DPO on the class's votes; every projector then shows the result."""
    votes = [rlhf.Preference(str(v.settings.get("prompt", "")), str(v.settings.get("chosen", "")),
                             str(v.settings.get("rejected", ""))) for v in store.entries(info.code, ("vote",))]
    train = page.action(f"Train the model on the class's {len(votes)} votes", "train", area="train_result",
                        keep_click=True, type="primary", icon=":material/model_training:")
    if not train.clicked:
        return
    with train.area:
        if len({(v.prompt, v.chosen, v.rejected) for v in votes if v.chosen != v.rejected}) < 2:
            st.warning("The class needs at least two votes on pairs with different answers first.")
            return
        lm = loaders.model(kinds.TEXT)
        embedder = loaders.model_or_none(kinds.EMBED)
        progress, chart, losses = st.progress(0.0, text="Scoring the votes with the base model…"), st.empty(), []

        def on_step(report: dpo.DpoStep) -> None:
            losses.append(report.loss)
            progress.progress(report.step / report.steps, text=f"DPO step {report.step}/{report.steps}")
            show_chart(loss_chart(losses, report.steps, "DPO loss"), where=chart, width="stretch")

        prompts = sorted({vote.prompt for vote in votes})[:2]
        new_tokens = min(30, settings().limits.max_new_tokens)
        try:
            feedback = class_feedback.train_on_votes(lm, embedder, votes, prompts, new_tokens, on_step=on_step)
            store.set_feedback(info.code, member.learner, feedback)
        except (ValueError, ClassError) as error:
            st.warning(str(error))
            return
        progress.empty()
        chart.empty()
        st.success("Trained: every projector now shows the model before and after the class's votes.")


text_tab, guess_tab, feedback_tab, gallery_tab = page.tabs(
    ["Text generation", "Guess the next word", "Class feedback (RLHF)", "Gallery"])
with text_tab:
    if text_tab.open:
        projector.text_view(store, info.code)
with guess_tab:
    if guess_tab.open:
        projector.guess_view(store, info.code)
with feedback_tab:
    if feedback_tab.open:
        if member.teacher:
            train_on_votes()
        projector.feedback_view(store, info.code)
with gallery_tab:
    if gallery_tab.open:
        projector.gallery_view(store, info.code)
