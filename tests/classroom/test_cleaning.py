"""What a learner sends is kept literally, minus what could disturb the projector."""

from __future__ import annotations

from genai_demo.classroom.cleaning import clean_text


def test_control_characters_and_direction_overrides_go_and_everything_else_stays():
    text = "a\x00b\x1b[2Jc\x07 \u202eevil\u202c \u2066x\u2069 🤖👩‍💻 日本語 عربي <b>&amp; # $x$"
    assert clean_text(text, 200) == "ab[2Jc evil x 🤖👩‍💻 日本語 عربي <b>&amp; # $x$"


def test_line_breaks_stay_in_texts_and_become_spaces_in_one_line_fields():
    assert clean_text("one\ntwo\tthree\r\n", 100) == "one\ntwo\tthree"
    assert clean_text("one\ntwo\tthree", 100, keep_lines=False) == "one two three"


def test_the_length_is_capped_and_empty_stays_empty():
    assert clean_text("x" * 10_000, 40) == "x" * 40
    assert clean_text("   \x00  ", 40) == ""
    assert clean_text(None, 40) == ""  # type: ignore[arg-type]
