"""The Text to music page, run for real with AppTest on the tiny MusicGen model."""

from __future__ import annotations

from tests.conftest import run_page
from tests.helpers import MUSIC
from tests.helpers import chart_count as charts
from tests.helpers import shown_text as texts


def test_music_page_opens_with_a_short_default_on_a_cpu_and_the_licence(sound_env):
    at = run_page(f"{MUSIC}.py")
    assert not at.exception
    assert at.title[0].value == "Text to music"
    assert at.text_input(key=f"{MUSIC}_prompt").value == "calm piano over soft rain"
    assert at.slider(key=f"{MUSIC}_seconds").value == 2.0
    assert "licence" in texts(at.caption) and "GENAI_MUSIC_MODEL" in texts(at.caption)
    assert "Press **Compose**" in texts(at.info)


def test_composing_plays_a_clip_and_shows_its_full_token_grid(sound_env):
    at = run_page(f"{MUSIC}.py")
    at.slider(key=f"{MUSIC}_seconds").set_value(0.5)
    at.button(key=f"{MUSIC}_compose").click().run()
    assert not at.exception and not at.warning
    clip = at.session_state[f"{MUSIC}_state"].clip
    assert clip.codes.shape == (4, 25) and (clip.codes >= 0).all()
    assert len(at.get("audio")) == 1
    assert charts(at) == 3  # waveform, spectrogram, token grid
    assert "100 tokens" in texts(at.caption)


def test_side_by_side_uses_one_prompt_and_seed_with_two_guidance_values(sound_env):
    at = run_page(f"{MUSIC}.py", link={f"{MUSIC}_tab": "Side by side"})  # a link opens that tab
    at.slider(key=f"{MUSIC}_seconds").set_value(0.5)
    at.button(key=f"{MUSIC}_pair_go").click().run()
    assert not at.exception and not at.warning
    a, b = at.session_state[f"{MUSIC}_state"].pair
    assert (a.settings.guidance_scale, b.settings.guidance_scale) == (1.0, 5.0)
    assert a.settings.seed == b.settings.seed and a.settings.prompt == b.settings.prompt
    assert (a.codes != b.codes).any()
    assert len(at.get("audio")) == 2
    assert "guidance 1, temperature 1" in texts(at.markdown) and "guidance 5" in texts(at.markdown)


def test_an_empty_music_prompt_gets_a_plain_message(sound_env):
    at = run_page(f"{MUSIC}.py")
    at.text_input(key=f"{MUSIC}_prompt").set_value("   ")
    at.button(key=f"{MUSIC}_compose").click().run()
    assert not at.exception
    assert "Describe the music first" in texts(at.warning)
    assert at.session_state[f"{MUSIC}_state"].clip is None
