"""genai_demo.sound.speech on a tiny random VITS voice, loaded through the app's own loader: what the voice
reads, seeds and knobs, text it cannot say.

Every WAV is read back with a real decoder (soundfile, libsndfile).
"""

from __future__ import annotations

import numpy as np
import pytest

from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
from genai_demo.sound import speech
from tests.helpers import read_wav


@pytest.fixture(scope="module")
def voice(tiny_vits_dir):
    return load_model(kinds.TTS, str(tiny_vits_dir))


def test_a_sentence_becomes_a_wav_whose_length_rate_and_settings_read_back(voice):
    request = speech.SpeechSettings("Hello there, how are you?", speaking_rate=1.2, noise_scale=0.5, seed=7)
    said = speech.speak(voice, request)
    samples, rate, written = read_wav(speech.speech_wav(said, voice.model_id))
    assert rate == 16_000 == voice.sample_rate
    assert len(samples) == said.samples.size > 0
    assert abs(len(samples) / rate - said.audio_s) < 1e-6
    assert np.abs(samples - said.samples).max() < 1 / 16_000  # 16-bit rounding only
    assert written == {"model": voice.model_id, "text": request.text, "speaking_rate": 1.2, "noise_scale": 0.5,
                       "noise_scale_duration": 0.8, "seed": 7}
    assert said.realtime_factor == pytest.approx(said.audio_s / said.compute_s)  # speed itself: benchmarks/audio.py


def test_the_same_seed_says_it_the_same_way_and_the_rate_changes_the_length(voice):
    def say(**knobs):
        return speech.speak(voice, speech.SpeechSettings("the quick brown fox", **knobs)).samples

    assert np.array_equal(say(seed=3), say(seed=3))
    assert not np.array_equal(say(seed=3), say(seed=4))
    assert say(seed=3, speaking_rate=0.5).size > 2 * say(seed=3, speaking_rate=1.5).size


def test_the_model_reads_the_characters_it_knows_with_their_ids(voice):
    read = speech.read_text(voice, "Café, 42 cats!")
    assert "".join(c for c, _ in read.characters) == "cafe cats"  # accent taken off, digits and marks out
    vocab = voice.tokenizer.get_vocab()
    assert [i for _, i in read.characters] == [vocab[c] for c in "cafe cats"]
    assert read.ids[1::2] == [vocab[c] for c in "cafe cats"] and set(read.ids[::2]) == {vocab["_"]}
    assert read.digits == "42" and "spell numbers out" in read.notes[0]


@pytest.mark.parametrize("text, message", [
    ("", "Type a sentence first"),
    ("   \n\t ", "Type a sentence first"),
    ("猫が好きです", "“猫”"),
    ("Привет", "script it was trained on"),
    ("2024 1999", "spell numbers out"),
    ("🎉🎉🎉", "holds no letters"),
    ("x" * 5_000, "at most 1,000"),
])
def test_text_the_voice_cannot_say_gets_a_plain_message(voice, text, message):
    with pytest.raises(ValueError, match=message):
        speech.check_speech(voice, speech.SpeechSettings(text))


def test_html_control_characters_and_emoji_around_words_are_spoken_as_words(voice):
    request, read = speech.check_speech(voice, speech.SpeechSettings("<b>hi</b>\x00\x07 there 🎉\n"))
    assert "".join(c for c, _ in read.characters) == "bhib there"
    assert read.unreadable == ""


def test_knobs_out_of_range_are_refused(voice):
    for bad in (speech.SpeechSettings("hi", speaking_rate=50), speech.SpeechSettings("hi", noise_scale=-1),
                speech.SpeechSettings("hi", seed=-5)):
        with pytest.raises(ValueError):
            speech.check_speech(voice, bad)
