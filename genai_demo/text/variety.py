"""How varied a text is: word counts and repeats, for the RLHF reward and the class's temperature chart."""

from __future__ import annotations

import re


def word_count(text: str) -> int:
    """The number of words in `text`."""
    return len(re.findall(r"\w+", text))


def repeated_share(text: str) -> float:
    """Share of words that already appeared earlier in the text (0 = no repeats)."""
    words = re.findall(r"\w+", text.lower())
    return 0.0 if not words else 1.0 - len(set(words)) / len(words)
