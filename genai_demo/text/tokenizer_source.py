"""Where a tokenizer a visitor names may come from: a Hub id, or a folder inside the app's own model folders.

The tokenizer page has a box anyone using the app types into. Opening whatever path is typed would let a
visitor probe the server's file system (an error for a missing folder differs from one for a folder that
holds no tokenizer). So a name is either a Hub id, always looked up in the Hugging Face cache or on the
Hub (never as a path relative to the server's working folder), or an absolute folder under one of the
roots: the local model folders this app was configured with. Anything else is refused with one message
that says nothing about which paths exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from genai_demo.config import Settings

MAX_NAME_CHARS = 200
_HUB_PART = r"[A-Za-z0-9](?:[\w.\-]{0,94}[A-Za-z0-9])?"
HUB_ID = re.compile(rf"^(?:{_HUB_PART}/)?{_HUB_PART}$")
# The files a tokenizer needs: enough to fetch a tokenizer from the Hub without its weights.
TOKENIZER_FILES = ("tokenizer*", "vocab*", "merges.txt", "special_tokens_map.json", "added_tokens.json",
                   "*.model", "*.tiktoken", "config.json", "tokenizer/*")
REFUSED = ("Type a Hub id such as `bert-base-uncased` or `openai-community/gpt2`, or a folder inside one of this "
           "app's model folders.")
NOT_LOADED = ("No tokenizer could be loaded for this name. Check its spelling; without internet, only "
              "tokenizers downloaded before work.")


@dataclass(frozen=True)
class TokenizerSource:
    """Where a named tokenizer is loaded from: a Hub id, or a folder under the model folders."""

    kind: str  # "hub" or "folder"
    name: str  # the Hub id, or the resolved folder


def allowed_roots(settings: Settings) -> list[Path]:
    """The local folders of the app's configured models (Hub ids have no folder to offer)."""
    models: Iterable[str | None] = (settings.text_model, settings.chat_model, settings.embed_model,
                                    settings.image_model)
    roots = []
    for model in models:
        if model and Path(model).is_absolute() and Path(model).is_dir():
            roots.append(Path(model).resolve())
    return roots


def tokenizer_source(typed: str, roots: Iterable[Path]) -> TokenizerSource:
    """The source a typed name stands for; ValueError (always the same message) when it is not allowed."""
    name = typed.strip()
    if not name or len(name) > MAX_NAME_CHARS or any(ord(char) < 32 for char in name):
        raise ValueError(REFUSED)
    if HUB_ID.match(name) and ".." not in name and "--" not in name:
        return TokenizerSource("hub", name)
    if not name.startswith("/"):
        raise ValueError(REFUSED)
    folder = Path(name).resolve()  # follows links and "..", so a link out of a root is caught below
    if not any(folder == root or folder.is_relative_to(root) for root in roots):
        raise ValueError(REFUSED)
    return TokenizerSource("folder", str(folder))
