"""Overfitting: a copy of the text model trained too long on a tiny text only repeats it, beside the base model
(genai_demo.tuning.overfitting)."""

import pandas as pd
import streamlit as st

from genai_demo.config import display_name, settings
from genai_demo.engine import kinds
from genai_demo.tuning.overfitting import OVERFIT_STEPS, TINY_TEXT, overfit_demo
from genai_demo.ui import loaders
from genai_demo.ui.challenges.links import other_challenges
from genai_demo.ui.challenges.overfitting import OverfittingState
from genai_demo.ui.layout import page_intro
from genai_demo.ui.literal import plain_markdown
from genai_demo.ui.panels import input_notice

TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name

page = page_intro(
    "overfitting",
    "A model overfits when it learns its training examples by heart instead of the pattern behind them: it does "
    "well on what it saw and badly on anything new. Trained too narrowly, a language model can only repeat.",
)
st.markdown("The Training playground shows this with points and a validation curve that turns upward:")
st.page_link("pages/training_playground.py", label="Open the Training playground (load the 'overfit' preset)",
             icon=":material/model_training:")
st.markdown(
    f"Here is the same failure in text: fine-tune {TEXT_MODEL} (a copy, for this session only) on one tiny text, "
    "far too many times. Then give it the start of that text, and a prompt about something else."
)
tiny_text = page.text("The tiny training text", "tiny_text", TINY_TEXT, max_chars=2_000, height=90)
steps = page.slider("Training steps", "steps", 10, 120, OVERFIT_STEPS, step=10)
state = page.state(OverfittingState)
run = page.action("Overfit a copy of the model", "run", type="primary")
if run.clicked:
    lm = loaders.model(kinds.TEXT)
    with run.area:
        progress = st.progress(0.0, text="Training…")
        try:
            demo = overfit_demo(lm, tiny_text, steps=steps, on_step=lambda report: progress.progress(
                report.step / report.steps, text=f"Step {report.step} of {report.steps}: loss {report.loss:.3f}"))
        except ValueError as problem:
            st.warning(str(problem))
        else:
            state.demo = demo
        progress.empty()

demo = state.demo
if demo is not None:
    with run.area:
        for notice in demo.notices:
            input_notice(notice)
        st.line_chart(pd.DataFrame({"training loss": demo.losses}), height=160, x_label="step", y_label="loss")
        for prompt, before, after, share_before, share_after in zip(
                demo.prompts, demo.before, demo.after, demo.copied_before, demo.copied_after):
            st.markdown(f"**Prompt:** {plain_markdown(prompt)}")
            left, right = st.columns(2)
            with left:
                st.caption(f"Before: {share_before:.0%} copied from the tiny text")
                st.markdown(plain_markdown(prompt + before))
            with right:
                st.caption(f"After overfitting: {share_after:.0%} copied from the tiny text")
                st.markdown(plain_markdown(prompt + after))
        st.caption("'Copied' counts runs of 12 or more characters that appear word for word in the training "
                   "text. The fix is the same as in the playground: more varied data, fewer steps, or "
                   "regularisation.")
other_challenges("overfitting")
