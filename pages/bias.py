"""Bias: the text model's next-word probabilities for filled-in templates, and the embedder's word associations
(genai_demo.challenges.bias, ui.challenges.bias)."""

import pandas as pd
import streamlit as st

from genai_demo.challenges.bias import PLACEHOLDER, default_templates, default_word_groups, make_template
from genai_demo.config import display_name, settings
from genai_demo.engine import kinds
from genai_demo.ui import loaders
from genai_demo.ui.challenges.bias import (
    association_chart,
    cached_associations,
    cached_probe,
    filled_templates_caption,
    next_word_chart,
)
from genai_demo.ui.challenges.links import other_challenges
from genai_demo.ui.charts import show_chart
from genai_demo.ui.layout import page_intro

TEXT_MODEL = display_name(settings().text_model)  # the model this page runs, by name
OWN = "Your own template"

page = page_intro(
    "bias",
    "A generative model copies the patterns of its training text, the unfair ones included. Here you measure "
    f"that on real models: what {TEXT_MODEL} expects next after the same sentence about different people, and "
    "which words a sentence embedder places close together.",
)

st.subheader("Bias in data becomes bias in output")
st.markdown(
    f"Each template has a slot, {PLACEHOLDER}, that is filled with different words. The bars show the "
    f"probability {TEXT_MODEL} gives each next word, for each filling: the raw next-word probabilities, so the "
    "measurement means the same for a base model and for an instruction-tuned one. Nothing is hand-set: if the "
    "bars differ, the model learned the difference from the text it was trained on."
)
templates = {template.name: template for template in default_templates()}
chosen = page.choice("Template", "template", [*templates, OWN], next(iter(templates)))
if chosen == OWN:
    own_text = page.text("Template", "own_template", f"The {PLACEHOLDER} was described as", max_chars=200, area=False,
                         help=f"Put {PLACEHOLDER} where the swapped word goes.")
    own_fillers = page.text("Words to swap in (comma separated)", "own_fillers", "nurse, surgeon", max_chars=400,
                            area=False)
    own_words = page.text("Next words to measure (comma separated)", "own_words", "kind, cold, smart, emotional",
                          max_chars=600, area=False)
    try:
        template = make_template(own_text, own_text, own_fillers, own_words)
    except ValueError as problem:
        st.warning(str(problem), icon=":material/edit_note:")
        st.stop()
else:
    template = templates[chosen]
st.caption(filled_templates_caption(template))

lm = loaders.model(kinds.TEXT)
rows = cached_probe(lm, lm.model_id, template)
show_chart(next_word_chart(rows), width="stretch")
with st.expander("The numbers"):
    table = pd.DataFrame([{"prompt": r.prompt, "next word": r.word, "probability": r.probability,
                           "share of listed words": r.share} for r in rows])
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"probability": st.column_config.NumberColumn(format="%.2e"),
                                "share of listed words": st.column_config.NumberColumn(format="percent")})
    st.caption("A word made of several tokens gets the product of their probabilities (the chance of "
               "writing exactly those tokens in a row). The share column rescales the listed words to 100%.")

st.subheader("The same in an embedder")
st.markdown(
    "A sentence embedder places words as vectors. If 'engineer' sits nearer to 'he, man, father' than "
    "to 'she, woman, mother', the embedder learned that association. The score is the average cosine "
    "similarity to the first group minus the average to the second."
)
groups_by_name = {groups.name: groups for groups in default_word_groups()}
groups = groups_by_name[page.choice("Word groups", "groups", list(groups_by_name), next(iter(groups_by_name)))]
embedder = loaders.model_or_none(kinds.EMBED)
if embedder is not None:
    scores = cached_associations(embedder, embedder.model_id, groups)
    show_chart(association_chart(scores, groups), width="stretch")
    st.caption(f"{groups.group_a_name}: {', '.join(groups.group_a)} · {groups.group_b_name}: "
               f"{', '.join(groups.group_b)}")

with st.expander("Where the bias comes from, and what helps"):
    st.markdown(
        "- **Source:** the training text. Web pages, books and news describe people unevenly, and a model "
        "learns those frequencies as faithfully as it learns grammar.\n"
        "- **Measure it:** probes like these templates, and benchmark sets built for the purpose, show "
        "where a model treats groups differently.\n"
        "- **Mitigate it:** curate and balance the training data; add counter-examples (the same sentence "
        "with the words swapped); fine-tune and use human feedback (RLHF) to reward fair answers; filter "
        "outputs; and keep people reviewing what matters.\n"
        "- **Limits:** removing one visible bias can hide others; no fix makes a model neutral by itself."
    )
other_challenges("bias")
