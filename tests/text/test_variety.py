"""Word counts and repeated words: the RLHF reward's plain features and the class's temperature chart."""

from __future__ import annotations

from genai_demo.text.variety import repeated_share, word_count


def test_words_are_counted_in_any_script_and_punctuation_is_not():
    assert word_count("Hello, world! 日本 café") == 4
    assert word_count("... !!! ") == 0


def test_a_looping_text_repeats_most_of_its_words_and_a_varied_one_none():
    assert repeated_share("the sea the sea the sea the sea") == 0.75
    assert abs(repeated_share("A fisherman found a glowing shell") - 1 / 6) < 1e-9  # "a" twice, in any case
    assert repeated_share("") == 0.0
