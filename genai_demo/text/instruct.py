"""Base model or instruct model: whether a model expects its chat template, and what it then reads.

A base model (GPT-2) continues any text. An instruct model (SmolLM2-135M-Instruct) was trained on
conversations wrapped in its chat template: given a bare prompt it often writes its end-of-turn marker
at once, because a bare text looks like a finished message. Wrapped as a user turn, it answers.
Every page that asks a text model a question goes through `user_turn`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from genai_demo.text.chat import render_template

if TYPE_CHECKING:
    from genai_demo.engine.bundles import TextModel


def has_chat_template(tokenizer: Any) -> bool:
    """Whether the tokenizer ships a chat template (what instruction-tuned models do)."""
    return bool(getattr(tokenizer, "chat_template", None))


def user_turn(tokenizer: Any, text: str) -> str:
    """What the model should read for `text`: the single user message of its chat template, ready for the
    assistant's reply, on an instruct model; the text itself on a base model. Needs only the tokenizer, so
    a page can show the prompt before the model is loaded."""
    if not has_chat_template(tokenizer):
        return text
    return render_template(tokenizer, [{"role": "user", "content": text}])


def ended_turn(lm: "TextModel", token_ids: Sequence[int]) -> bool:
    """Whether the model's last token ends its text (or, for a chat model, its turn)."""
    return bool(token_ids) and token_ids[-1] in lm.end_ids


def cut_at_limit(lm: "TextModel", token_ids: Sequence[int], max_new_tokens: int) -> bool:
    """Whether the text stopped because it reached `max_new_tokens`, not because the model ended it."""
    return len(token_ids) >= max_new_tokens and not ended_turn(lm, token_ids)
