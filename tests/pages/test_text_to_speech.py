"""The Text to speech page, run for real with AppTest on the tiny VITS voice."""

from __future__ import annotations

import pytest

from tests.conftest import run_page
from tests.helpers import SPEECH
from tests.helpers import chart_count as charts
from tests.helpers import shown_text as texts


def test_speech_page_opens_with_its_knobs_and_no_recording_yet(sound_env):
    at = run_page(f"{SPEECH}.py")
    assert not at.exception
    assert at.title[0].value == "Text to speech"
    assert at.slider(key=f"{SPEECH}_rate").value == 1.0
    assert at.number_input(key=f"{SPEECH}_seed").value == 0
    assert "Press **Speak**" in texts(at.info)
    assert not at.get("audio") and at.session_state[f"{SPEECH}_state"].speech is None


def test_speaking_plays_the_sentence_and_shows_its_pictures_and_characters(sound_env):
    at = run_page(f"{SPEECH}.py")
    at.text_area(key=f"{SPEECH}_text").set_value("Hello, class!")
    at.button(key=f"{SPEECH}_speak").click().run()
    assert not at.exception and not at.warning
    assert len(at.get("audio")) == 1
    assert charts(at) == 2  # waveform and spectrogram
    result = at.session_state[f"{SPEECH}_state"].speech
    assert "".join(c for c, _ in result.read.characters) == "hello class"
    assert "11 characters" in texts(at.caption)  # under the chips
    assert at.metric[0].value == f"{result.audio_s:.1f} s"
    assert "What the model reads" in texts(at.subheader)


@pytest.mark.parametrize("text, message", [("", "Type a sentence first"), ("你好世界", "“你”"),
                                           ("3.14159", "spell numbers out")])
def test_speech_page_explains_text_it_cannot_say(sound_env, text, message):
    at = run_page(f"{SPEECH}.py")
    at.text_area(key=f"{SPEECH}_text").set_value(text)
    at.button(key=f"{SPEECH}_speak").click().run()
    assert not at.exception
    assert message in texts(at.warning)
    assert not at.get("audio")


def test_digits_inside_a_sentence_are_left_out_with_a_note(sound_env):
    at = run_page(f"{SPEECH}.py")
    at.text_area(key=f"{SPEECH}_text").set_value("I have 3 cats")
    at.button(key=f"{SPEECH}_speak").click().run()
    assert not at.exception and not at.warning
    assert "spell numbers out" in texts(at.info)
    assert len(at.get("audio")) == 1
