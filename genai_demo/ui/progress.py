"""Work the learner waits for happens where they are looking: the result area is scrolled into view, and
while other learners' work runs first, their place in line is shown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

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


@contextmanager
def place_in_line(work: tuple[str, str] = ("picture is", "pictures are"), doing: str = "drawn",
                  why: str = "The image model draws one picture at a time, so each one gets the whole computer.",
                  ) -> Iterator[Callable[[int, float], None]]:
    """While other learners' work runs first: this session's place in line, cleared when its turn comes.

    `work` names one and several pieces of work ("clip is", "clips are"), `doing` what happens to them.
    """
    slot = st.empty()

    def on_wait(ahead: int, seconds: float) -> None:
        if ahead == 0:
            slot.empty()
            return
        pieces = work[0] if ahead == 1 else work[1]
        when = f" (about {seconds:.0f} s)" if seconds >= 1 else ""
        slot.info(f"{ahead} {pieces} being {doing} before yours{when}. {why}", icon=":material/hourglass_top:")

    try:
        yield on_wait
    finally:
        slot.empty()
