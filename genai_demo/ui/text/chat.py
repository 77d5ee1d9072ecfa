"""What the Chat page keeps across reruns: the conversation and the messages still waiting for a reply."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ChatMessage:
    """One bubble. A reply also keeps what the model read for it, shown under "Show what the model reads"."""

    role: str  # "user" or "assistant"
    content: str
    prompt_text: str = ""  # the chat template's text the reply continues
    prompt_ids: list[int] = field(default_factory=list)
    dropped: int = 0  # older messages that did not fit the model's window
    base_reply: str | None = None  # the text model's answer to the same chat, when it was asked too
    cut_at: int | None = None  # the reply length it was cut at, when the model had not ended its turn

    def turn(self) -> dict[str, str]:
        """The message as a chat template reads it."""
        return {"role": self.role, "content": self.content}


@dataclass
class ChatState:
    """The conversation, and the messages sent but not answered yet (oldest first)."""

    history: list[ChatMessage] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def clear(self) -> None:
        """Start a new conversation."""
        self.history, self.pending = [], []

    def saved(self) -> dict[str, Any]:
        """The conversation as JSON values, for the learner's saved work."""
        return {"history": [asdict(message) for message in self.history], "pending": list(self.pending)}

    def restore(self, saved: Any) -> None:
        """Take back a saved conversation (one saved by an older version of the app is left out)."""
        try:
            history = [ChatMessage(**message) for message in saved["history"]]
            pending = [str(text) for text in saved["pending"]]
        except (TypeError, KeyError):
            return
        self.history, self.pending = history, pending
