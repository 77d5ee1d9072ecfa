"""What the Text to speech page keeps across reruns."""

from __future__ import annotations

from dataclasses import dataclass

from genai_demo.sound.speech import Speech


@dataclass
class TextToSpeechState:
    """The last recording, with the settings it was made with."""

    speech: Speech | None = None
