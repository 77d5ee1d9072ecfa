"""The two sound pages, run for real with AppTest on the tiny VITS and MusicGen models."""

from __future__ import annotations

import pytest

from tests.conftest import run_page

SPEECH, MUSIC = "text_to_speech", "text_to_music"


def texts(*element_lists) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(e.value) for elements in element_lists for e in elements)


def charts(at) -> int:  # type: ignore[no-untyped-def]
    return len(at.get("vega_lite_chart"))


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


@pytest.mark.parametrize("page", [SPEECH, MUSIC])
def test_a_linked_seed_past_the_apps_range_is_clamped_with_a_notice(sound_env, page):
    from genai_demo.config import MAX_SEED

    at = run_page(f"{page}.py", link={f"{page}_seed": str(2**40)})
    assert not at.exception
    toasts = " ".join(str(toast.value) for toast in at.toast)
    assert f"Seed = {2**40}; the range is 0 to {MAX_SEED}, so {MAX_SEED} is used" in toasts
    assert f"so {MAX_SEED:,} is used" in texts(at.caption)  # the seed the page uses


@pytest.mark.parametrize("page", [f"{SPEECH}.py", f"{MUSIC}.py"])
def test_sound_pages_offline_with_an_empty_cache_show_the_prefetch_audio_command(missing_models_env, page):
    at = run_page(page)
    assert not at.exception
    assert "python -m genai_demo prefetch audio" in texts(at.code)
    assert "not downloaded yet" in texts(at.error)


def test_the_applications_page_links_to_the_sound_pages(sound_env):
    at = run_page("applications.py")
    at.pills(key="applications_choice").set_value("Music and audio").run()
    assert not at.exception
    links = [link.proto.page for link in at.get("page_link")]
    assert {"text_to_speech", "text_to_music"} <= set(links)
    assert "runs no audio model" not in texts(at.markdown)
