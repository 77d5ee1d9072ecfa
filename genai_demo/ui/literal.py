"""Text from a model or a learner shown literally: no Markdown, HTML or LaTeX is ever rendered from it."""

from __future__ import annotations

import streamlit as st

_MARKDOWN_SPECIALS = "\\`*_{}[]()#+-.!|<>$~"


def visible_piece(piece: str) -> str:
    """A token piece with its spaces and line breaks made visible (GPT-2 tokens often start with a space)."""
    return piece.replace(" ", "␣").replace("\n", "⏎").replace("\t", "⇥") or "∅"


def whole_characters(text: str) -> str:
    """Model text without the "�" of a last token that holds only part of a character (the rest comes next)."""
    return text.rstrip("\ufffd")


def plain_markdown(text: str) -> str:
    """Text shown literally inside st.markdown: generated text may contain * _ # and friends."""
    escaped = "".join("\\" + char if char in _MARKDOWN_SPECIALS else char for char in text)
    return escaped.replace("\n", "  \n")


def exact_code(text: str) -> None:
    """`text` in a code box exactly as the model reads it: st.code drops one line break at each end, so both
    ends are padded with one."""
    st.code(f"\n{text}\n", language=None, wrap_lines=True)
