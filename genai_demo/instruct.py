"""Base model or instruct model: whether a model expects its chat template, and what it then reads.

A base model (GPT-2) continues any text. An instruct model (SmolLM2-135M-Instruct) was trained on
conversations wrapped in its chat template: given a bare prompt it often writes its end-of-turn marker
at once, because a bare text looks like a finished message. Wrapped as a user turn, it answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from genai_demo.chat import render_template

if TYPE_CHECKING:
    from genai_demo.engine import TextModel


def has_chat_template(tokenizer: Any) -> bool:
    """Whether the tokenizer ships a chat template (what instruction-tuned models do)."""
    return bool(getattr(tokenizer, "chat_template", None))


def as_user_turn(lm: "TextModel", text: str) -> str:
    """`text` as the single user message of the model's chat template, ready for the assistant's reply."""
    with lm.lock:
        return render_template(lm.tokenizer, [{"role": "user", "content": text}])


def ended_turn(lm: "TextModel", token_ids: Sequence[int]) -> bool:
    """Whether the model's last token ends its text (or, for a chat model, its turn)."""
    return bool(token_ids) and token_ids[-1] in lm.end_ids
