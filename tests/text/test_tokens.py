"""genai_demo.text.tokens against the real GPT-2, CLIP and MiniLM tokenizers."""

from __future__ import annotations

import pytest

from genai_demo.text import tokens

ROBOT = "🤖"
CJK = "東京は日本の首都です。"


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


@pytest.mark.parametrize("name", list(tokens.example_texts()))
def test_every_example_round_trips_through_gpt2(gpt2_tokenizer, name):
    text = tokens.example_texts()[name]
    pieces = tokens.tokenize(gpt2_tokenizer, text)
    assert tokens.decode(gpt2_tokenizer, pieces) == text
    assert b"".join(p.byte_values for p in pieces).decode("utf-8") == text
    assert not any("\ufffd" in p.text for p in pieces)


def test_lesson_examples_are_present():
    examples = tokens.example_texts()
    assert "What's the weather like today?" in examples.values()
    assert any("discount" in text and "!!!" in text for text in examples.values())
    assert any("def " in text for text in examples.values())
    assert any(not text.isascii() for text in examples.values())


def test_lookup_both_ways(gpt2_tokenizer, clip_tokenizer):
    assert tokens.piece_for_id(gpt2_tokenizer, 995).raw == "Ġworld"
    assert tokens.piece_for_id(gpt2_tokenizer, 50256).is_special
    def ids(tokenizer, piece):
        return [p.token_id for p in tokens.pieces_for_text(tokenizer, piece)]

    assert ids(gpt2_tokenizer, " world") == [995]
    assert ids(gpt2_tokenizer, "Ġworld") == [995]
    assert ids(gpt2_tokenizer, "world") == gpt2_tokenizer("world")["input_ids"] != [995]
    assert ids(gpt2_tokenizer, "<|endoftext|>") == [50256]
    assert ids(gpt2_tokenizer, "not one token at all") == []
    assert ids(clip_tokenizer, "cat") == [2368, clip_tokenizer.convert_tokens_to_ids("cat")]
    with pytest.raises(ValueError):
        tokens.piece_for_id(gpt2_tokenizer, len(gpt2_tokenizer))
    assert [p.text for p in tokens.special_tokens(gpt2_tokenizer)] == ["<|endoftext|>"]


def test_counts_and_context_window(gpt2_tokenizer, wordpiece_tokenizer):
    text = "Hello world, hello tokens"
    pieces = tokens.tokenize(gpt2_tokenizer, text)
    counts = tokens.text_counts(text, pieces, tokens.context_window(gpt2_tokenizer))
    assert (counts.characters, counts.words, counts.tokens) == (len(text), 4, len(gpt2_tokenizer(text)["input_ids"]))
    assert counts.context_window == 1024
    assert counts.context_share == pytest.approx(counts.tokens / 1024)
    assert tokens.context_window(wordpiece_tokenizer) == 512
    empty = tokens.text_counts("", [], 1024)
    assert empty.tokens_per_word == 0.0


def test_cap_text():
    assert tokens.cap_text("abc", 5) == ("abc", False)
    assert tokens.cap_text("a" * 100_000, 20_000) == ("a" * 20_000, True)
    with pytest.raises(ValueError):
        tokens.cap_text("abc", 0)


def test_differing_splits_mark_only_cuts_not_shared(gpt2_tokenizer, wordpiece_tokenizer):
    text = "unbelievably fun"
    compared = {"gpt2": tokens.tokenize(gpt2_tokenizer, text), "wordpiece": tokens.tokenize(wordpiece_tokenizer, text)}
    marked = tokens.differing_pieces(text, compared)
    gpt2_cuts = tokens.split_points(text, compared["gpt2"])
    wordpiece_cuts = tokens.split_points(text, compared["wordpiece"])
    assert gpt2_cuts != wordpiece_cuts  # "un|bel|iev|ably" against WordPiece's own cuts
    fun_index = [p.raw for p in compared["gpt2"]].index("Ġfun")
    assert fun_index not in marked["gpt2"]  # a whole word, cut the same way by both
    assert marked["gpt2"] and all(i < fun_index for i in marked["gpt2"])
    same = tokens.differing_pieces(text, {"a": compared["gpt2"], "b": compared["gpt2"]})
    assert same == {"a": set(), "b": set()}


def test_sentencepiece_spellings_become_bytes():
    sentencepiece = tokens.TokenizerStyle(kind="BPE", byte_level=False, metaspace=True, continuing_prefix="",
                                          end_of_word_suffix="")
    assert tokens.piece_bytes("▁hello", sentencepiece) == b" hello"
    assert tokens.piece_bytes("<0xF0>", sentencepiece) == b"\xf0"
    assert tokens.readable_bytes(b"\xf0") == "<F0>"
    assert tokens.readable_bytes(b"a\xf0\x9f b") == "a<F0 9F> b"
