"""Token chips: each token as a colored box with its id beneath (HTML, since no chart type fits)."""

from __future__ import annotations

from collections.abc import Collection
from html import escape

import streamlit as st

from genai_demo.text.tokens import TextCounts, TokenPiece, byte_segments
from genai_demo.ui.colours import CHIP_TEXT, MARKED, MUTED, PALE_GREY, TOKEN_CHIPS

MARK_CLASS = "gd-tok-marked"

# One stylesheet, sent with every chip row (it is small), so each chip is a few short classes.
_MONO = "font-family:ui-monospace,SFMono-Regular,Menlo,monospace"
_CSS = (
    "<style>"
    ".gd-toks{display:flex;flex-wrap:wrap;gap:6px 3px;align-items:flex-start;line-height:1.25;margin:.25rem 0 .75rem}"
    ".gd-cell{display:inline-flex;flex-direction:column;align-items:center;max-width:100%}"
    f".gd-chip{{color:{CHIP_TEXT};padding:1px 5px;border-radius:5px;{_MONO};font-size:.95em;white-space:pre-wrap;"
    "word-break:break-all;min-width:.8em;text-align:center;border:1px solid transparent}"
    f".gd-chip.gd-cut,.gd-chip.gd-special{{border:1px dashed {MUTED}}}"
    f".gd-chip.gd-special{{background:{PALE_GREY}}}"
    f".gd-chip.{MARK_CLASS}{{outline:2px solid {MARKED};outline-offset:1px}}"
    f".gd-note{{font-size:.68em;color:{MUTED};{_MONO};word-break:break-all}}"
    ".gd-ws{opacity:.45}.gd-bytes{font-size:.8em;font-style:italic}"
    + "".join(f".gd-c{i}{{background:{color}}}" for i, color in enumerate(TOKEN_CHIPS))
    + "</style>"
)
_WHITESPACE = {" ": "·", "\n": "↵", "\t": "→"}


def _visible(text: str) -> str:
    """Escaped text with spaces, tabs and newlines drawn, so a leading space is seen."""
    return "".join(f'<span class="gd-ws">{_WHITESPACE[char]}</span>' if char in _WHITESPACE else escape(char)
                   for char in text)


def _piece_html(piece: TokenPiece) -> str:
    if piece.is_special:
        return escape(piece.text)
    return "".join(f'<span class="gd-bytes">{escape(text)}</span>' if is_bytes else _visible(text)
                   for text, is_bytes in byte_segments(piece.byte_values))


def chip_html(piece: TokenPiece, index: int, show_ids: bool = True, show_raw: bool = False,
              show_bytes: bool = False, marked: bool = False) -> str:
    """One token as a coloured chip, with its id, raw piece or bytes beneath as asked."""
    classes = ["gd-chip", "gd-special" if piece.is_special else f"gd-c{index % len(TOKEN_CHIPS)}"]
    if piece.is_partial_character:
        classes.append("gd-cut")
    if marked:
        classes.append(MARK_CLASS)
    hex_bytes = piece.byte_values.hex(" ").upper()
    title = f"id {piece.token_id} · piece {piece.raw!r} · bytes {hex_bytes or '-'}"
    lines = [f'<span class="{" ".join(classes)}">{_piece_html(piece) or "&nbsp;"}</span>']
    if show_ids:
        lines.append(f'<span class="gd-note">{piece.token_id}</span>')
    if show_raw:
        lines.append(f'<span class="gd-note">{escape(piece.raw)}</span>')
    if show_bytes:
        lines.append(f'<span class="gd-note">{hex_bytes}</span>')
    return f'<span class="gd-cell" title="{escape(title)}">{"".join(lines)}</span>'


def chips_html(pieces: list[TokenPiece], show_ids: bool = True, show_raw: bool = False, show_bytes: bool = False,
               marked: Collection[int] = (), max_chips: int = 1000) -> str:
    """A row of chips for `pieces` (at most `max_chips`), with the stylesheet they need."""
    cells = [chip_html(piece, i, show_ids, show_raw, show_bytes, i in marked)
             for i, piece in enumerate(pieces[:max_chips])]
    # The stylesheet goes after the chips: a leading <style> would be dropped by the HTML sanitizer.
    return f'<div class="gd-toks">{"".join(cells)}</div>{_CSS}'


def token_chips(pieces: list[TokenPiece], show_ids: bool = True, show_raw: bool = False, show_bytes: bool = False,
                marked: Collection[int] = (), max_chips: int = 1000) -> None:
    """Colored token chips with ids (and optionally raw pieces and bytes) beneath; wraps on narrow screens.

    `marked`: indices of pieces to outline (e.g. splits other tokenizers do not share).
    Pieces that hold only part of a character, and special tokens, get a dashed border.
    """
    if not pieces:
        st.caption("No tokens.")
        return
    st.html(chips_html(pieces, show_ids, show_raw, show_bytes, marked, max_chips))
    if len(pieces) > max_chips:
        st.caption(f"Showing the first {max_chips:,} of {len(pieces):,} tokens; the counts include them all.")


def count_metrics(counts: TextCounts, model_name: str = "the model") -> None:
    """Characters, words, tokens, tokens per word and the share of the context window, in one row."""
    # A wrapping row keeps five numbers compact on a narrow screen instead of stacking them.
    row = st.container(horizontal=True, wrap=True, gap="large")
    row.metric("Characters", f"{counts.characters:,}", width="content")
    row.metric("Words", f"{counts.words:,}", width="content",
               help="Runs of characters between spaces. Chinese and Japanese use no spaces, so a whole sentence "
                    "counts as one word.")
    row.metric("Tokens", f"{counts.tokens:,}", width="content")
    row.metric("Tokens / word", f"{counts.tokens_per_word:.2f}", width="content")
    share = counts.context_share
    if share is None:
        row.metric("Context used", "unknown", help="This tokenizer does not say how long its model's window is.",
                   width="content")
    else:
        row.metric("Context used", f"{share:.1%}", width="content",
                   help=f"{counts.tokens:,} of the {counts.context_window:,} tokens {model_name} can read at once.")
