"""Work the learner waits for happens where they are looking: the result area is scrolled into view."""

from __future__ import annotations

import streamlit as st

_NONCE = "_bring_into_view_nonce"


def bring_into_view(key: str) -> None:
    """Scroll the browser so the container made with `st.container(key=key)` is at the top of the screen.

    Call it on the run that starts a piece of work (a Generate click), before the work begins, and show the
    progress inside that container: the learner then watches the result arrive instead of a screen of knobs.
    """
    nonce = st.session_state.get(_NONCE, 0) + 1
    st.session_state[_NONCE] = nonce  # a new script each time, so the browser runs it again
    st.html(
        f"<script>/* {nonce} */ window.parent.document.querySelector('.st-key-{key}')"
        "?.scrollIntoView({behavior: 'smooth', block: 'start'});</script>",
        unsafe_allow_javascript=True,
    )
