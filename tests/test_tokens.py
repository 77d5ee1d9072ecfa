"""genai_demo.tokens and genai_demo.bpe against the real GPT-2, CLIP and MiniLM tokenizers."""

from __future__ import annotations

import pytest

from genai_demo import models, tokens

ROBOT = "🤖"
CJK = "東京は日本の首都です。"


@pytest.fixture(scope="module")
def clip_tokenizer(clip_tokenizer_dir):
    return models.load_tokenizer(str(clip_tokenizer_dir))


@pytest.fixture(scope="module")
def wordpiece_tokenizer(minilm_dir):
    return models.load_tokenizer(str(minilm_dir))


def test_gpt2_real_ids_and_pieces(gpt2_tokenizer):
    pieces = tokens.tokenize(gpt2_tokenizer, "Hello world")
    assert [p.token_id for p in pieces] == [15496, 995]
    assert [p.raw for p in pieces] == ["Hello", "Ġworld"]
    assert [p.text for p in pieces] == ["Hello", " world"]
    assert [p.byte_values for p in pieces] == [b"Hello", b" world"]
    assert [(p.start, p.end) for p in pieces] == [(0, 5), (5, 11)]
    assert not any(p.is_special for p in pieces)


def test_robot_emoji_is_three_byte_pieces(gpt2_tokenizer):
    pieces = tokens.tokenize(gpt2_tokenizer, ROBOT)
    assert len(pieces) == 3
    assert b"".join(p.byte_values for p in pieces) == ROBOT.encode("utf-8")
    assert all(p.is_partial_character for p in pieces)
    assert [p.text for p in pieces] == ["<F0 9F>", "<A4>", "<96>"]
    assert not any("\ufffd" in p.text for p in pieces)


def test_cjk_sentence_bytes_add_up(gpt2_tokenizer):
    pieces = tokens.tokenize(gpt2_tokenizer, CJK)
    ids = gpt2_tokenizer(CJK)["input_ids"]
    assert [p.token_id for p in pieces] == ids
    assert len(pieces) > len(CJK)  # GPT-2 spends more than one token per character on Japanese
    assert b"".join(p.byte_values for p in pieces) == CJK.encode("utf-8")
    assert not any("\ufffd" in p.text for p in pieces)
    assert any(p.is_partial_character for p in pieces)


def test_special_tokens_are_marked(gpt2_tokenizer, clip_tokenizer):
    pieces = tokens.tokenize(gpt2_tokenizer, "Hi<|endoftext|>")
    assert pieces[-1].token_id == 50256 and pieces[-1].is_special and pieces[-1].text == "<|endoftext|>"
    clip = tokens.tokenize(clip_tokenizer, "a photo of a cat", add_special_tokens=True)
    assert [p.token_id for p in clip] == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert [p.is_special for p in clip] == [True] + [False] * 5 + [True]
    assert clip[5].raw == "cat</w>" and clip[5].text == "cat"


def test_wordpiece_pieces_drop_markers(wordpiece_tokenizer):
    pieces = tokens.tokenize(wordpiece_tokenizer, "Tokenization")
    assert [p.raw for p in pieces] == wordpiece_tokenizer.tokenize("Tokenization")
    assert len(pieces) >= 2 and pieces[1].raw.startswith("##")
    assert "".join(p.text for p in pieces) == "tokenization"


def test_chips_escape_html_and_show_ids(gpt2_tokenizer):
    from genai_demo.ui.tokens import chips_html

    pieces = tokens.tokenize(gpt2_tokenizer, "<b>hi</b> 🤖")
    html = chips_html(pieces, show_ids=True, show_raw=True, show_bytes=True)
    assert "<b" not in html and "</b" not in html and "&lt;/" in html
    assert all(str(p.token_id) in html for p in pieces)
    assert "&lt;F0 9F&gt;" in html and "F0 9F" in html
