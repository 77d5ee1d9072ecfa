"""genai_demo.engine.threads: a text model and its tokenizer share one lock."""

from __future__ import annotations

import pytest

# Every test here starts and ends with fresh settings, budget and caches.
pytestmark = pytest.mark.usefixtures("fresh_settings")


def test_a_text_model_and_its_tokenizer_share_one_lock(lm):
    """Pages reach the shared tokenizer both through the model bundle and through the tokenizer tools."""
    from genai_demo.engine.threads import tokenizer_lock

    assert lm.lock is tokenizer_lock(lm.tokenizer)
    with lm.lock, tokenizer_lock(lm.tokenizer):  # re-entrant: text code may tokenize while holding it
        assert lm.tokenizer("Hello world").input_ids == [15496, 995]
