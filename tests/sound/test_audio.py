"""genai_demo.sound.audio: the pictures of a sound (spectrogram and envelope) on a pure tone, and on real
speech from Debian's espeak-ng where that program is installed."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import soundfile

from genai_demo.sound import audio


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
