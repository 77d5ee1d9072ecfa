"""genai_demo.text.bpe: the byte-pair merges replayed on the real GPT-2 and CLIP tokenizers end at their
own pieces."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("word", ["discount", " discount", "unbelievably", "tokenization!!!", "東京", "café 🤖"])
def test_bpe_replay_ends_at_the_tokenizers_own_pieces(gpt2_tokenizer, clip_tokenizer, word):
    from genai_demo.text import bpe

    for tokenizer in (gpt2_tokenizer, clip_tokenizer):
        histories = bpe.merge_steps(tokenizer, word)
        replayed = [raw for history in histories for raw in history.pieces]
        assert replayed == tokenizer.convert_ids_to_tokens(tokenizer(word, add_special_tokens=False)["input_ids"])
        for history in histories:
            assert history.steps[0].pair is None
            ranks = [step.rank for step in history.steps[1:]]
            assert all(len(after.symbols) < len(before.symbols)
                       for before, after in zip(history.steps, history.steps[1:]))
            assert all(rank is not None and rank >= 0 for rank in ranks)


def test_bpe_starts_from_single_bytes(gpt2_tokenizer):
    from genai_demo.text import bpe

    (history,) = bpe.merge_steps(gpt2_tokenizer, "🤖")
    assert len(history.steps[0].symbols) == 4  # four UTF-8 bytes
    assert len(history.pieces) == 3


def test_bpe_refuses_wordpiece_and_bad_words(gpt2_tokenizer, wordpiece_tokenizer):
    from genai_demo.text import bpe

    with pytest.raises(ValueError, match="WordPiece"):
        bpe.merge_steps(wordpiece_tokenizer, "discount")
    with pytest.raises(ValueError):
        bpe.merge_steps(gpt2_tokenizer, "   ")
    with pytest.raises(ValueError):
        bpe.merge_steps(gpt2_tokenizer, "x" * 10_000)
