"""Class codes, teacher keys and learner ids."""

from __future__ import annotations

from genai_demo.classroom import codes


def test_a_code_is_six_letters_and_digits_that_cannot_be_misread():
    made = {codes.new_code() for _ in range(200)}
    assert len(made) > 190
    for code in made:
        assert len(code) == 6 and not set(code) & set("0O1IL5S")
        assert codes.normalise_code(code.lower()) == code


def test_a_typed_code_is_read_in_any_case_with_spaces_or_dashes_and_anything_else_is_no_code():
    assert codes.normalise_code(" k7q-h2m ") == "K7QH2M"
    for typed in ("", "K7QH2", "K7QH2MM", "K7QH2O", "<script>", "K7QH2M;DROP", None):
        assert codes.normalise_code(typed) == ""


def test_a_teacher_key_is_checked_against_its_hash_only():
    key = codes.new_teacher_key()
    stored = codes.hash_key(key)
    assert key not in stored and codes.key_matches(key, stored)
    assert not codes.key_matches(key + "x", stored) and not codes.key_matches("", stored)


def test_learner_ids_are_random_and_a_cookie_of_another_shape_is_refused():
    first, second = codes.new_learner_id(), codes.new_learner_id()
    assert first != second and codes.valid_learner_id(first)
    for bad in ("", "short", "x" * 100, "has spaces in it ok?", None, 42, "a;b=c" * 5):
        assert not codes.valid_learner_id(bad)
