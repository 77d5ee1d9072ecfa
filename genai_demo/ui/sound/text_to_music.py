"""What the Text to music page keeps across reruns."""

from __future__ import annotations

from dataclasses import dataclass

from genai_demo.sound.music import Music


@dataclass
class TextToMusicState:
    """The last clip of each tab: one clip, and the side-by-side pair (A, B)."""

    clip: Music | None = None
    pair: tuple[Music, Music] | None = None
