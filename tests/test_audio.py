"""Sound topics on tiny random VITS and MusicGen models, loaded through the app's own loader.

Every WAV is read back with a real decoder (soundfile, libsndfile); real speech from Debian's
espeak-ng checks the waveform and spectrogram views where that program is installed.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import threading

import numpy as np
import pytest
import soundfile

from genai_demo import cli
from genai_demo.config import settings
from genai_demo.engine import kinds
from genai_demo.engine.errors import ModelUnavailable
from genai_demo.engine.loader import load_model
from genai_demo.sound import audio, music, speech
from tests.conftest import reset_app_state


@pytest.fixture(scope="module")
def voice(tiny_vits_dir):
    return load_model(kinds.TTS, str(tiny_vits_dir))


@pytest.fixture(scope="module")
def composer(tiny_musicgen_dir):
    return load_model(kinds.MUSIC, str(tiny_musicgen_dir))


def read_wav(data: bytes):  # type: ignore[no-untyped-def]
    """Samples, sample rate and the settings from the file's comment, all through libsndfile."""
    with soundfile.SoundFile(io.BytesIO(data)) as handle:
        samples = handle.read(dtype="float32")
        return samples, handle.samplerate, json.loads(handle.copy_metadata()["comment"])


# --- text to speech -----------------------------------------------------------------------------


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
    def say(**knobs):  # type: ignore[no-untyped-def]
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


# --- text to music ------------------------------------------------------------------------------


def test_a_clip_is_decoded_from_exactly_the_tokens_the_grid_shows(composer):
    import torch

    clip = music.compose(composer, music.MusicSettings("calm piano over soft rain", seconds=0.5, seed=1))
    assert clip.codes.shape == (4, 25) and (clip.codes != music.EMPTY).all()
    assert clip.codes.max() < composer.codebook_size
    with torch.inference_mode():
        decoded = composer.model.audio_encoder.decode(torch.tensor(clip.codes)[None, None], [None]).audio_values
    assert np.allclose(decoded[0, 0].numpy().clip(-1, 1), clip.samples, atol=1e-5)
    samples, rate, written = read_wav(music.music_wav(clip, composer.model_id))
    assert rate == 32_000 and abs(len(samples) / rate - 0.5) < 1e-6
    assert written["prompt"] == "calm piano over soft rain" and written["seed"] == 1
    assert written["guidance_scale"] == 3.0 and written["model"] == composer.model_id


def test_the_grid_fills_as_a_staircase_one_step_at_a_time(composer):
    snapshots = []
    music.compose(composer, music.MusicSettings("lo fi beat", seconds=0.5, seed=2),
                  on_step=lambda grid: snapshots.append(grid.codes.copy()))
    assert len(snapshots) == 25 + 3  # 25 frames, and each codebook one step behind the one above
    third = snapshots[2] != music.EMPTY  # after three steps
    assert third[0, :3].all() and third[1, :2].all() and third[2, :1].all() and not third[3].any()
    assert not third[:, 3:].any()
    assert (snapshots[-1] != music.EMPTY).all()


def test_same_seed_same_clip_and_guidance_changes_it(composer):
    def make(**knobs):  # type: ignore[no-untyped-def]
        return music.compose(composer, music.MusicSettings("jazz guitar", seconds=0.5, **knobs)).codes

    assert np.array_equal(make(seed=5), make(seed=5))
    assert not np.array_equal(make(seed=5, guidance_scale=1.0), make(seed=5, guidance_scale=6.0))


def test_a_learner_who_leaves_stops_the_run_and_frees_the_model(composer):
    class Left(Exception):
        pass

    steps = []

    def leave_after_three(grid):  # type: ignore[no-untyped-def]
        steps.append(grid.steps)
        if grid.steps == 3:
            raise Left

    with pytest.raises(Left):
        music.compose(composer, music.MusicSettings("slow strings", seconds=2.0), on_step=leave_after_three)
    assert steps == [1, 2, 3]  # 103 steps were asked for; the run ended at the third
    assert composer.queue.waiting() == 0
    assert music.compose(composer, music.MusicSettings("slow strings", seconds=0.5)).codes.shape == (4, 25)


def test_a_second_learner_waits_in_line_and_hears_their_place(composer):
    started, release, waits = threading.Event(), threading.Event(), []

    def hold(grid):  # type: ignore[no-untyped-def]
        started.set()
        release.wait(10)

    first = threading.Thread(target=music.compose, args=(composer, music.MusicSettings("a", seconds=0.5)),
                             kwargs={"on_step": hold})
    first.start()
    assert started.wait(30)
    second = threading.Thread(target=music.compose, args=(composer, music.MusicSettings("b", seconds=0.5)),
                              kwargs={"on_wait": lambda ahead, s: (waits.append(ahead), release.set())})
    second.start()
    first.join(30)
    second.join(30)
    assert waits[0] == 1 and waits[-1] == 0  # one clip ahead, then its turn


@pytest.mark.parametrize("request_, message", [
    (music.MusicSettings(""), "Describe the music first"),
    (music.MusicSettings("\x00\x01 \n"), "Describe the music first"),
    (music.MusicSettings("x" * 30_000), "at most 500 are used"),
    (music.MusicSettings("rain", seconds=1e9), "between 0.5 and 30"),
    (music.MusicSettings("rain", temperature=0), "Temperature"),
    (music.MusicSettings("rain", top_k=10**9), "Top-k"),
    (music.MusicSettings("rain", guidance_scale=float("nan")), "Guidance"),
])
def test_bad_music_requests_get_a_plain_message(request_, message):
    with pytest.raises(ValueError, match=message):
        music.check_music(request_)


def test_public_mode_caps_the_clip_length(monkeypatch):
    monkeypatch.setenv("GENAI_PUBLIC", "1")
    reset_app_state()
    try:
        with pytest.raises(ValueError, match="between 0.5 and 8 seconds"):
            music.check_music(music.MusicSettings("rain", seconds=20))
        assert music.default_seconds("cuda") == 8.0 and settings().limits.max_speech_chars == 300
    finally:
        monkeypatch.delenv("GENAI_PUBLIC")
        reset_app_state()


# --- pictures of sound, the config and the command line -----------------------------------------


def test_a_pure_tone_lights_up_its_own_row_of_the_spectrogram():
    rate = 16_000
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)
    picture = audio.spectrogram(tone, rate)
    loudest = picture.hertz[picture.decibels.mean(axis=1).argmax()]
    assert abs(loudest - 440) < 8_000 / 64
    outline = audio.envelope(tone, rate)
    assert outline.high.max() == pytest.approx(0.5, abs=0.01) and outline.low.min() == pytest.approx(-0.5, abs=0.01)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_real_speech_shows_voice_energy_low_and_pauses_between_words(tmp_path):
    path = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(path), "Generative models learn. Then they speak."], check=True)
    samples, rate = soundfile.read(path, dtype="float32")
    picture = audio.spectrogram(samples, rate)
    power = 10 ** (picture.decibels / 10)
    assert power[picture.hertz < 4_000].sum() / power.sum() > 0.8  # a voice lives below 4 kHz
    outline = audio.envelope(samples, rate)
    loudness = outline.high - outline.low
    assert loudness.max() > 0.1
    assert (loudness < 0.01 * loudness.max()).mean() > 0.05  # the pause at the full stop is silent


def test_model_ids_come_from_the_environment(monkeypatch, tiny_vits_dir):
    monkeypatch.setenv("GENAI_TTS_MODEL", str(tiny_vits_dir))
    monkeypatch.setenv("GENAI_MUSIC_MODEL", "someone/another-musicgen")
    reset_app_state()
    try:
        assert settings().tts_model == str(tiny_vits_dir)
        assert settings().music_model == "someone/another-musicgen"
    finally:
        reset_app_state()


def test_prefetch_audio_names_both_sound_models(sound_env, capsys):
    assert cli.main(["prefetch", "audio"]) == 0
    printed = capsys.readouterr().out
    assert f"[tts] {settings().tts_model}: a local folder" in printed
    assert f"[music] {settings().music_model}: a local folder" in printed
    assert "[text]" not in printed


def test_a_sound_model_missing_offline_names_the_prefetch_audio_command(missing_models_env):
    for kind in (kinds.TTS, kinds.MUSIC):
        with pytest.raises(ModelUnavailable) as caught:
            load_model(kind)
        assert "python -m genai_demo prefetch audio" in caught.value.fix
