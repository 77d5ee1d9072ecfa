"""Links between the three Challenges pages (bias, made-up facts, overfitting)."""

from __future__ import annotations

import streamlit as st

from genai_demo.catalogue import page_info

CHALLENGE_PAGES = ("bias", "made_up_facts", "overfitting")


def other_challenges(current: str) -> None:
    """Links to the other Challenges pages, so a presenter moves between them in one click."""
    columns = st.columns(len(CHALLENGE_PAGES) - 1)
    for column, page in zip(columns, [p for p in CHALLENGE_PAGES if p != current]):
        info = page_info(page)
        column.page_link(f"pages/{page}.py", label=f"Another challenge: {info.title}", icon=info.icon)
