"""Start here: what generative AI is, training beside generation, and a map of every page (genai_demo.catalogue)."""

import streamlit as st

from genai_demo.catalogue import GROUPS, PAGES
from genai_demo.ui.layout import page_intro

page_intro(
    "home",
    "Generative AI is software that **creates something new** (a sentence, a picture, a melody) instead "
    "of only sorting or looking up what already exists. It does this with a **neural network** that has "
    "seen an enormous number of examples and learned their patterns. Every page here runs a real model "
    "in front of you, so you can poke at it instead of reading about it.",
)

learn, create = st.columns(2)
with learn:
    with st.container(border=True):
        st.subheader(":material/school: Training: learning patterns")
        st.markdown(
            "The model is shown examples (billions of sentences, or millions of pictures) and nudges its "
            "**weights** a tiny bit after each one, so that next time its guess is a little less wrong. "
            "This is slow, costly and done once."
        )
with create:
    with st.container(border=True):
        st.subheader(":material/auto_awesome: Generation: using them")
        st.markdown(
            "The trained model's weights stay frozen. Given a **prompt**, it predicts what should come "
            "next (a word, or a less noisy picture), again and again. This is what you do on most pages "
            "here, and it takes seconds."
        )

st.divider()
st.header("A map of this app")
st.caption("The same groups as the menu on the left. Every card opens a page with a live model.")
CARDS_PER_ROW = 3
for group in GROUPS:
    cards = [page for page in PAGES if page.group == group and page.file != "home.py"]
    if not cards:
        continue
    st.subheader(group)
    # One row of columns per few cards, so cards side by side line up even when their texts differ in length.
    for start in range(0, len(cards), CARDS_PER_ROW):
        for column, page in zip(st.columns(CARDS_PER_ROW), cards[start:start + CARDS_PER_ROW]):
            with column, st.container(border=True, height="stretch"):
                st.page_link(f"pages/{page.file}", label=page.title, icon=page.icon)
                st.markdown(page.summary)
                st.caption(f"Try this: {page.try_this}")
