"""Page furniture shared by every page: the intro block and presenter mode."""

from __future__ import annotations

import streamlit as st

PRESENTER_KEY = "presenter_mode"

_PRESENTER_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
[data-testid="stCaptionContainer"] { font-size: 1rem; }
h1 { font-size: 2.6rem !important; }
h2 { font-size: 2.0rem !important; }
h3 { font-size: 1.6rem !important; }
.block-container { padding-top: 2.5rem; max-width: 100%; }
</style>
"""


def presenter_mode() -> bool:
    return bool(st.session_state.get(PRESENTER_KEY, False))


def apply_presenter_style() -> None:
    """Large fonts for a projector; called by app.py on every run when presenter mode is on."""
    if presenter_mode():
        st.html(_PRESENTER_CSS)


def page_intro(title: str, intro: str, try_this: str) -> None:
    """Every page opens the same way: a title, two or three plain sentences, one thing to try."""
    st.title(title)
    st.markdown(intro)
    st.caption(f":material/lightbulb: **Try this:** {try_this}")
