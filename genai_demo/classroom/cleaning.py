"""What a learner sends, made safe to keep and to show: control characters out, length capped."""

from __future__ import annotations

import unicodedata

# Right-to-left overrides and isolates can turn the rest of a projector line around.
_DIRECTION_MARKS = {chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def clean_text(text: str, max_chars: int, keep_lines: bool = True) -> str:
    """`text` without control characters (line breaks and tabs kept when `keep_lines`), direction overrides or
    NUL, cut to `max_chars` characters. Emoji, accents and every script stay as they are."""
    kept = []
    for char in str(text or ""):
        if char in "\n\t" and keep_lines:
            kept.append(char)
        elif char in "\n\t\r":
            kept.append(" ")
        elif unicodedata.category(char) == "Cc" or char in _DIRECTION_MARKS:
            continue
        else:
            kept.append(char)
    return "".join(kept).strip()[:max_chars]
