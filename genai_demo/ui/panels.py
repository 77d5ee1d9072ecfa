"""The one panel every page shows when a model is unavailable, and other shared notices."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from genai_demo.engine.errors import ModelUnavailable

PAGES_WITHOUT_DOWNLOADS = ("Perceptron", "Activations", "Training playground", "GAN lab", "VAE lab")


def model_unavailable_panel(error: ModelUnavailable) -> None:
    """Say what is missing, why, and the exact command that fixes it. Never a traceback."""
    with st.container(border=True):
        st.error(f"**{error.title}**", icon=":material/cloud_off:")
        st.markdown(error.reason)
        st.markdown("**How to fix it**")
        command = _command_in(error.fix)
        st.markdown(error.fix)
        if command:
            st.code(command, language="bash")
        st.caption("The rest of the app keeps working. Pages that need no download: "
                   + ", ".join(PAGES_WITHOUT_DOWNLOADS) + ".")


def model_unavailable_note(error: ModelUnavailable) -> None:
    """The panel's short form for a narrow column: the title, the reason, the fix, all wrapping."""
    st.error(f"**{error.title}**", icon=":material/cloud_off:")
    st.caption(error.reason)
    command = _command_in(error.fix)
    if command:
        st.code(command, language="bash", wrap_lines=True)
    else:
        st.caption(error.fix)


def _command_in(text: str) -> str | None:
    """The first `backticked` shell command in a fix text, shown again as a copyable code block."""
    parts = text.split("`")
    commands = [part for part in parts[1::2] if part.startswith(("python", "pip", "hf ", "huggingface-cli"))]
    return commands[0] if commands else None


def input_notice(message: str) -> None:
    """A visible note that the app changed the learner's input (cut, capped, ignored)."""
    st.info(message, icon=":material/content_cut:")


@contextmanager
def unavailable_shown() -> Iterator[None]:
    """Run model work; if the model (or its serving engine) fails, show the shared panel instead."""
    try:
        yield
    except ModelUnavailable as error:
        model_unavailable_panel(error)
