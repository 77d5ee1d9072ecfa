"""genai_demo.sound.music on a tiny random MusicGen, loaded through the app's own loader: the token grid,
seeds and guidance, the line of learners, bad requests.

Every WAV is read back with a real decoder (soundfile, libsndfile).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from genai_demo.config import settings
from genai_demo.engine import kinds
from genai_demo.engine.loader import load_model
from genai_demo.sound import music
from tests.conftest import reset_app_state
from tests.helpers import read_wav


@pytest.fixture(scope="module")
def composer(tiny_musicgen_dir):
    return load_model(kinds.MUSIC, str(tiny_musicgen_dir))


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
    def make(**knobs):
        return music.compose(composer, music.MusicSettings("jazz guitar", seconds=0.5, **knobs)).codes

    assert np.array_equal(make(seed=5), make(seed=5))
    assert not np.array_equal(make(seed=5, guidance_scale=1.0), make(seed=5, guidance_scale=6.0))


def test_a_learner_who_leaves_stops_the_run_and_frees_the_model(composer):
    class Left(Exception):
        pass

    steps = []

    def leave_after_three(grid):
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

    def hold(grid):
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
