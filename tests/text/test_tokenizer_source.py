"""genai_demo.text.tokenizer_source: which names a visitor types are Hub ids, which are folders inside the
app's model folders, and which are refused."""

from __future__ import annotations

import pytest

from genai_demo.text.tokenizer_source import TokenizerSource, tokenizer_source


def test_sources_hub_ids_and_folders_under_roots(tmp_path):
    root = tmp_path / "models"
    (root / "gpt2").mkdir(parents=True)
    assert tokenizer_source("bert-base-uncased", [root]) == TokenizerSource("hub", "bert-base-uncased")
    assert tokenizer_source("openai-community/gpt2", [root]).kind == "hub"
    assert tokenizer_source(str(root / "gpt2"), [root]) == TokenizerSource("folder", str((root / "gpt2").resolve()))
    for bad in (str(root / ".." / "other"), "a/b/c", "a--b", "", "/"):
        with pytest.raises(ValueError):
            tokenizer_source(bad, [root])
