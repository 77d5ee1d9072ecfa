"""Streamlit pieces of the RLHF page: completion cards, the preference table, reward scores of two sample sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from genai_demo.tuning import rlhf
from genai_demo.ui import loaders
from genai_demo.ui.literal import plain_markdown


def completion_card(heading: str, prompt: str, text: str, ended: bool = False) -> None:
    """A bordered card: the heading, then the prompt in italics and the completion, both shown literally."""
    with st.container(border=True):
        st.markdown(heading)
        shown = plain_markdown(text) if text.strip() else "*(nothing: the model stopped at once)*"
        st.markdown(f"*{plain_markdown(prompt)}* {shown}" if prompt.strip() else shown)
        if ended:
            st.caption(":material/stop_circle: The model ended its answer here (its end-of-text token).")


def preference_table(preferences: list[rlhf.Preference]) -> None:
    """Every pair with its full text wrapped (nothing cut off at 1280 px), scrolling when there are many."""
    rows = [{"prompt": plain_markdown(p.prompt), "preferred": plain_markdown(p.chosen) or "(nothing)",
             "words ✓": rlhf.word_count(p.chosen), "rejected": plain_markdown(p.rejected) or "(nothing)",
             "words ✗": rlhf.word_count(p.rejected)} for p in preferences]
    with st.container(height=min(360, 80 + 90 * len(rows))):
        st.table(pd.DataFrame(rows), hide_index=True)


def reward_scores(reward: rlhf.RewardModel | None, *text_sets: list[str]) -> list[np.ndarray] | None:
    """The reward model's score of every text in each set, or None before a reward model is trained."""
    if reward is None:
        return None
    embedder = loaders.embedder() if reward.use_embeddings else None
    return [reward.score(embedder, texts) for texts in text_sets]
