"""genai_demo.ui.literal: a model's text shown literally, without a trailing half character."""

from __future__ import annotations

from genai_demo.ui.literal import whole_characters


def test_whole_characters_drops_only_a_trailing_half_character():
    assert whole_characters("sunny \ufffd") == "sunny "
    assert whole_characters("a\ufffdb") == "a\ufffdb"
