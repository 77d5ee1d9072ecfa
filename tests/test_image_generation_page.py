"""The image generation page, run for real with AppTest on the tiny Stable Diffusion pipeline."""

from __future__ import annotations

import pytest

from tests.conftest import run_page

PAGE = "image_generation.py"
KEY = "image_generation"


def small(at):  # type: ignore[no-untyped-def]
    """Tiny, fast settings: 64 px, 2 steps."""
    at.number_input(key=f"{KEY}_steps").set_value(2)
    at.number_input(key=f"{KEY}_width").set_value(64)
    at.number_input(key=f"{KEY}_height").set_value(64)
    return at


def texts(elements) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(e.value) for e in elements)


def test_default_render_shows_the_knobs_and_no_picture_yet(app_env):
    at = run_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Image generation"
    assert at.number_input(key=f"{KEY}_width").value == 64  # the tiny model's native size
    assert at.selectbox(key=f"{KEY}_scheduler").options == ["Euler", "Euler ancestral", "DDIM", "DPM++ 2M"]
    assert "Generate" in texts(at.info)
    assert f"{KEY}_result" not in at.session_state


def test_generate_shows_the_picture_the_steps_and_the_how_it_works_strip(app_env):
    at = small(run_page(PAGE))
    at.text_area(key=f"{KEY}_prompt").set_value("a photo of a cat")
    at.button(key=f"{KEY}_generate").click().run()
    assert not at.exception
    assert not at.warning and not at.error, texts(at.warning) + texts(at.error) + texts(at.info)
    result, window = at.session_state[f"{KEY}_result"]
    assert result.image.size == (64, 64)
    assert [p.step for p in result.previews] == [1, 2]
    assert [p.token_id for p in window.kept] == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert "How it works" in texts(at.subheader)
    assert any("[1, 77, 32]" in m.value for m in at.markdown)  # the text embedding's shape
    assert at.metric[1].value == "4"  # 2 steps x 2 UNet calls with guidance
    assert at.get("vega_lite_chart")  # the embedding strip
    assert not at.warning


def test_grid_varies_the_seed_across_a_row(app_env):
    at = small(run_page(PAGE))
    at.selectbox(key=f"{KEY}_grid_knob").set_value("seed")
    at.slider(key=f"{KEY}_grid_count").set_value(2)
    at.number_input(key=f"{KEY}_seed").set_value(7)
    at.button(key=f"{KEY}_grid_go").click().run()
    assert not at.exception
    knob, row = at.session_state[f"{KEY}_grid"]
    assert knob == "seed"
    assert [cell.settings.seed for cell in row] == [7, 8]
    assert row[0].image.tobytes() != row[1].image.tobytes()


def test_clip_between_two_seeds_has_the_requested_frames(app_env):
    at = small(run_page(PAGE))
    at.slider(key=f"{KEY}_clip_frames").set_value(3)
    at.toggle(key=f"{KEY}_clip_bounce").set_value(False)
    at.button(key=f"{KEY}_clip_go").click().run()
    assert not at.exception
    import io

    from PIL import Image

    gif, frames = at.session_state[f"{KEY}_clip"]
    assert frames == 3
    with Image.open(io.BytesIO(gif)) as clip:
        assert clip.n_frames == 3


@pytest.mark.parametrize(("widget", "value", "message"), [
    ("text_area", "", "prompt is empty"),
    ("number_input:steps", 0, "at least 1 step"),
    ("number_input:steps", 10_000, "too many"),
    ("number_input:width", 100, "not a multiple of 8"),
    ("number_input:height", 8192, "too large"),
])
def test_bad_input_gets_a_clear_message_and_no_picture(app_env, widget, value, message):
    at = small(run_page(PAGE))
    if widget == "text_area":
        at.text_area(key=f"{KEY}_prompt").set_value(value)
    else:
        at.number_input(key=f"{KEY}_{widget.split(':')[1]}").set_value(value)
    at.button(key=f"{KEY}_generate").click().run()
    assert not at.exception
    assert message in texts(at.warning)
    assert f"{KEY}_result" not in at.session_state


def test_a_10000_character_prompt_is_cut_to_77_tokens_and_says_so(app_env):
    at = small(run_page(PAGE))
    prompt = ("sunflower field " * 700)[:10_000]
    at.text_area(key=f"{KEY}_prompt").set_value(prompt)
    at.button(key=f"{KEY}_generate").click().run()
    assert not at.exception
    notice = texts(at.info)
    assert "77 tokens" in notice and "were cut" in notice
    result, window = at.session_state[f"{KEY}_result"]
    assert len(window.kept) == 77 and window.was_cut
    assert result.image.size == (64, 64)
