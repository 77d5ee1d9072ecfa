"""genai_demo.ui.tokens: token chips escape the text and show each piece's id, raw spelling and bytes."""

from __future__ import annotations

from genai_demo.text import tokens


def test_chips_escape_html_and_show_ids(gpt2_tokenizer):
    from genai_demo.ui.tokens import chips_html

    pieces = tokens.tokenize(gpt2_tokenizer, "<b>hi</b> 🤖")
    html = chips_html(pieces, show_ids=True, show_raw=True, show_bytes=True)
    assert "<b" not in html and "</b" not in html and "&lt;/" in html
    assert all(str(p.token_id) in html for p in pieces)
    assert "&lt;F0 9F&gt;" in html and "F0 9F" in html
