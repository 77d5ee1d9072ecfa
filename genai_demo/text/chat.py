"""Chatting with an instruction-tuned model: the chat template, the window, and streamed replies.

An instruct model reads one long text. Its chat template turns the conversation into that text with
role markers (e.g. `<|im_start|>user ... <|im_end|>`); the reply is the model continuing it. What
`build_prompt` returns (`text` and `token_ids`) is exactly what `stream_reply` feeds the model.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from genai_demo.config import settings
from genai_demo.engine.sampling import SamplingSettings

if TYPE_CHECKING:
    from genai_demo.engine.writer import TextWriter
    from genai_demo.text.generation import GenerationUpdate

ROLES = ("system", "user", "assistant")
PLAIN_NAMES = {"system": "System", "user": "User", "assistant": "Assistant"}
# Chosen on the real SmolLM2-135M-Instruct over twelve plain questions (benchmarks/chat_defaults.py): 11 of
# 12 answered right, in English, ending their turn, without looping; "You are a helpful assistant." alone,
# greedy, did 5 of 12 ("One fruit is a fruit, but it's not a fruit.", Italian for the capital of Italy).
DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant. Answer in one short sentence."
DEFAULT_SETTINGS = SamplingSettings(temperature=0.0, top_k=50, top_p=0.95, repetition_penalty=1.1, max_new_tokens=96)


@dataclass(frozen=True)
class ChatPrompt:
    """The conversation as the model receives it."""

    text: str  # the chat template's output, special markers included
    token_ids: list[int]  # `text` tokenized with add_special_tokens=False: what the model reads
    messages: list[dict[str, str]]  # the messages that fit (the system prompt first, when there is one)
    dropped_messages: int  # oldest messages left out so that the rest and the reply fit the window
    system_merged: bool  # the template has no system role: the system prompt went into the first user turn


def check_messages(history: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """The history as plain {"role", "content"} dicts, ending with the user's message."""
    messages = []
    for message in history:
        role, content = message.get("role"), message.get("content")
        if role not in ("user", "assistant") or not isinstance(content, str):
            raise ValueError(f"A chat message needs a role of user or assistant and a text, not {message!r}.")
        messages.append({"role": role, "content": content})
    if not messages or messages[-1]["role"] != "user":
        raise ValueError("The conversation must end with a message from you.")
    if not messages[-1]["content"].strip():
        raise ValueError("Your message is empty: type something to say.")
    return messages


def render_template(tokenizer: Any, messages: list[dict[str, str]]) -> str:
    """The exact text the chat template makes of `messages`, ready for the assistant's reply."""
    if not getattr(tokenizer, "chat_template", None):
        raise ValueError("This model's tokenizer has no chat template, so it is not a chat model. "
                         "Point GENAI_CHAT_MODEL at an instruction-tuned model.")
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def _with_system(system_prompt: str, messages: list[dict[str, str]], merge: bool) -> list[dict[str, str]]:
    if not system_prompt.strip():
        return messages
    if not merge:
        return [{"role": "system", "content": system_prompt}] + messages
    first = messages[0]
    return [{"role": first["role"], "content": f"{system_prompt}\n\n{first['content']}"}] + messages[1:]


def _render(tokenizer: Any, system_prompt: str,
            messages: list[dict[str, str]]) -> tuple[list[dict[str, str]], str, bool]:
    try:
        full = _with_system(system_prompt, messages, merge=False)
        return full, render_template(tokenizer, full), False
    except ValueError:
        raise
    except Exception:  # noqa: BLE001 - some templates refuse a system role (they raise a TemplateError)
        full = _with_system(system_prompt, messages, merge=True)
        return full, render_template(tokenizer, full), True


def build_prompt(lm: "TextWriter", system_prompt: str, history: Sequence[dict[str, str]],
                 reply_tokens: int) -> ChatPrompt:
    """Render and tokenize the conversation, dropping the oldest turns until it and the reply fit."""
    messages = check_messages(history)
    max_chars = settings().limits.max_prompt_chars
    room = lm.context_window - reply_tokens
    if room < 1:
        raise ValueError(f"A {reply_tokens}-token reply does not fit in this model's {lm.context_window}-token window.")
    dropped = 0
    while True:
        full, text, merged = _render(lm.tokenizer, system_prompt, messages)
        ids = lm.encode(text)  # the markers are already in the text: add nothing
        if len(ids) <= room and len(text) <= max_chars:
            return ChatPrompt(text, ids, full, dropped, merged)
        if len(messages) == 1:
            raise ValueError(f"Your message and the system prompt take {len(ids):,} tokens; with a "
                             f"{reply_tokens}-token reply that is more than the model's {lm.context_window:,}-token "
                             "window (or the app's text limit). Shorten them.")
        # Drop the oldest exchange: its user message, and the assistant's answer to it.
        cut = 2 if len(messages) > 2 and messages[1]["role"] == "assistant" else 1
        messages = messages[cut:]
        dropped += cut


def stream_reply(lm: "TextWriter", prompt: ChatPrompt, sampling: SamplingSettings,
                 owner: str | None = None) -> Iterator["GenerationUpdate"]:
    """The assistant's reply as it grows (`update.texts[0]`), or its place in line while it waits.

    Feeds exactly `prompt.token_ids` (a serving engine gets `prompt.messages` and renders the same
    template from the same tokenizer files)."""
    from genai_demo.text.generation import generate_reply

    for update in generate_reply(lm, prompt.text, prompt.messages, sampling, owner):
        if update.prompt.ids != prompt.token_ids:
            raise RuntimeError("The tokens fed to the model differ from the ones shown; refusing to go on.")
        yield update


def plain_transcript(system_prompt: str, history: Sequence[dict[str, str]]) -> str:
    """The same conversation as ordinary text, the way a base model like GPT-2 can be given it."""
    lines = [f"System: {system_prompt.strip()}"] if system_prompt.strip() else []
    lines += [f"{PLAIN_NAMES[m['role']]}: {m['content'].strip()}" for m in check_messages(history)]
    return "\n".join(lines) + "\nAssistant:"
