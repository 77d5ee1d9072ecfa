"""The image generation page, run for real with AppTest on the tiny Stable Diffusion pipeline."""

from __future__ import annotations

import pytest

from genai_demo.ui.literal import plain_markdown
from tests.conftest import run_page

PAGE = "image_generation.py"
KEY = "image_generation"


def page_state(at):
    """The page's state: the last result of each tab, under the page's one state key."""
    return at.session_state[f"{KEY}_state"]


def small(at):
    """Tiny, fast settings: 64 px, 2 steps."""
    at.number_input(key=f"{KEY}_steps").set_value(2)
    at.number_input(key=f"{KEY}_width").set_value(64)
    at.number_input(key=f"{KEY}_height").set_value(64)
    return at


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def test_default_render_shows_the_knobs_and_no_picture_yet(app_env):
    at = run_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Image generation"
    assert at.number_input(key=f"{KEY}_width").value == 64  # the tiny model's native size
    assert at.selectbox(key=f"{KEY}_scheduler").options == ["Euler", "Euler ancestral", "DDIM", "DPM++ 2M"]
    assert "Generate" in texts(at.info)
    assert page_state(at).picture is None


def test_generate_shows_the_picture_the_steps_and_the_how_it_works_strip(app_env):
    at = small(run_page(PAGE))
    at.text_area(key=f"{KEY}_prompt").set_value("a photo of a cat")
    at.button(key=f"{KEY}_generate").click().run()
    assert not at.exception
    assert not at.warning and not at.error, texts(at.warning) + texts(at.error) + texts(at.info)
    result, window = page_state(at).picture.result, page_state(at).picture.window
    assert result.image.size == (64, 64)
    assert [p.step for p in result.previews] == [1, 2]
    assert [p.token_id for p in window.kept] == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert "How it works" in texts(at.subheader)
    assert any("[1, 77, 32]" in m.value for m in at.markdown)  # the text embedding's shape
    assert at.metric[1].value == "4"  # 2 steps x 2 UNet calls with guidance
    assert at.get("vega_lite_chart")  # the embedding strip
    assert not at.warning
    # The page scrolled the result area (where the progress and the picture appear) into view.
    assert any(f".st-key-{KEY}_picture_area" in str(element.proto) for element in at.get("html"))


def test_grid_varies_the_seed_across_a_row(app_env):
    at = small(run_page(PAGE, link={f"{KEY}_tab": "Comparison grid"}))
    at.selectbox(key=f"{KEY}_grid_knob").set_value("seed")
    at.slider(key=f"{KEY}_grid_count").set_value(2)
    at.number_input(key=f"{KEY}_seed").set_value(7)
    at.button(key=f"{KEY}_grid_go").click().run()
    assert not at.exception
    knob, row = page_state(at).grid.knob, page_state(at).grid.pictures
    assert knob == "seed"
    assert [cell.settings.seed for cell in row] == [7, 8]
    assert row[0].image.tobytes() != row[1].image.tobytes()


def test_clip_between_two_seeds_has_the_requested_frames(app_env):
    at = small(run_page(PAGE, link={f"{KEY}_tab": "Clip"}))
    at.slider(key=f"{KEY}_clip_frames").set_value(3)
    at.toggle(key=f"{KEY}_clip_bounce").set_value(False)
    at.button(key=f"{KEY}_clip_go").click().run()
    assert not at.exception
    import io

    from PIL import Image

    gif, frames = page_state(at).clip.gif, page_state(at).clip.frames
    assert frames == 3
    with Image.open(io.BytesIO(gif)) as clip:
        assert clip.n_frames == 3


@pytest.mark.parametrize(("widget", "value", "message"), [
    ("prompt", "", "prompt is empty"),
    ("width", 100, "not a multiple of 8"),
])
def test_bad_input_gets_a_clear_message_and_no_picture(app_env, widget, value, message):
    at = small(run_page(PAGE))
    if widget == "prompt":
        at.text_area(key=f"{KEY}_prompt").set_value(value)
    else:
        at.number_input(key=f"{KEY}_{widget}").set_value(value)
    at.button(key=f"{KEY}_generate").click().run()
    assert not at.exception
    assert message in texts(at.warning)
    assert page_state(at).picture is None


@pytest.mark.parametrize(("knob", "typed", "used"), [("steps", 0, 1), ("steps", 10_000, 100), ("height", 8192, 1024)])
def test_a_number_out_of_range_says_which_value_is_used(app_env, knob, typed, used):
    at = run_page(PAGE)
    at.number_input(key=f"{KEY}_{knob}").set_value(typed).run()
    assert not at.exception
    assert at.number_input(key=f"{KEY}_{knob}").value == used
    assert f"{typed:,} is outside" in texts(at.caption) and f"so {used:,} is used" in texts(at.caption)


def test_the_prompt_is_shown_literally_not_as_markdown(app_env):
    prompt = "a **bold** cat, x^2 and $y$ <b>tag</b>"
    at = small(run_page(PAGE))
    at.text_area(key=f"{KEY}_prompt").set_value(prompt)
    at.button(key=f"{KEY}_generate").click().run()
    assert not at.exception
    assert f"“{plain_markdown(prompt)}”" in [m.value for m in at.markdown]  # "1. Prompt" of How it works
    captions = [image.caption for element in at.get("image") for image in element.proto.imgs]
    assert any(caption.startswith(f"“{plain_markdown(prompt)}”") for caption in captions)  # under the picture


def picture_from_link(link: dict) -> bytes:
    at = run_page(PAGE, link=link)
    at.button(key=f"{KEY}_generate").click().run()
    assert not at.exception
    result = page_state(at).picture.result
    assert (result.settings.prompt, result.settings.seed, result.settings.steps) == ("a red boat", 5, 2)
    return result.image.tobytes()


def test_a_link_with_the_same_prompt_and_seed_redraws_the_same_picture(app_env):
    link = {f"{KEY}_prompt": "a red boat", f"{KEY}_seed": "5", f"{KEY}_steps": "2", f"{KEY}_width": "64",
            f"{KEY}_height": "64", f"{KEY}_scheduler": "DDIM"}
    first = picture_from_link(link)
    assert first == picture_from_link(link)
    assert first != picture_from_link({**link, f"{KEY}_scheduler": "Euler"})


def test_bad_link_values_get_a_notice_not_a_traceback(app_env):
    at = run_page(PAGE, link={f"{KEY}_steps": "-5", f"{KEY}_scheduler": "Bogus", f"{KEY}_seed": "lots",
                              f"{KEY}_tab": "Nowhere", f"{KEY}_width": "64", f"{KEY}_height": "64"})
    assert not at.exception
    toasts = " ".join(str(t.value) for t in at.toast)
    assert "so 1 is used" in toasts and "'Bogus'" in toasts and "is not a number" in toasts
    assert at.number_input(key=f"{KEY}_steps").value == 1 and at.query_params[f"{KEY}_steps"] == "1"
    assert at.selectbox(key=f"{KEY}_scheduler").value == "Euler"
    at.button(key=f"{KEY}_generate").click().run()  # draws with the value the page said it uses
    assert not at.exception and page_state(at).picture.result.settings.steps == 1


def test_both_seed_boxes_take_the_apps_one_seed_range(app_env):
    from genai_demo.config import MAX_SEED

    at = run_page(PAGE, link={f"{KEY}_seed": str(MAX_SEED + 1), f"{KEY}_tab": "Clip", f"{KEY}_clip_seed": "1e12"})
    assert not at.exception
    toasts = " ".join(str(t.value) for t in at.toast)
    assert f"Seed = {MAX_SEED + 1}; the range is 0 to {MAX_SEED}, so {MAX_SEED} is used" in toasts
    assert f"Second seed = 1e12; the range is 0 to {MAX_SEED}, so {MAX_SEED} is used" in toasts
    # The boxes hold the seed the page uses, and so does the address a learner copies.
    assert at.number_input(key=f"{KEY}_seed").value == MAX_SEED == int(at.query_params[f"{KEY}_seed"])
    assert at.number_input(key=f"{KEY}_clip_seed").value == MAX_SEED == int(at.query_params[f"{KEY}_clip_seed"])


def test_the_last_picture_and_the_settings_survive_a_visit_to_another_page(app_env):
    at = small(run_page(PAGE))
    at.number_input(key=f"{KEY}_seed").set_value(9)
    at.button(key=f"{KEY}_generate").click().run()
    picture = page_state(at).picture.result.image.tobytes()
    at.switch_page("pages/activations.py").run()
    at.switch_page(f"pages/{PAGE}").run()
    assert not at.exception
    assert at.number_input(key=f"{KEY}_seed").value == 9
    assert page_state(at).picture.result.image.tobytes() == picture
    assert "How it works" in texts(at.subheader)
    at.number_input(key=f"{KEY}_seed").set_value(10).run()  # changed since: the old picture says so
    assert "settings above have changed" in texts(at.caption)


def test_a_knob_in_one_tab_does_not_redraw_another_tabs_picture(app_env, monkeypatch):
    from genai_demo.images import diffusion

    at = small(run_page(PAGE))
    at.button(key=f"{KEY}_generate").click().run()
    calls = []
    real = diffusion.generate_image
    monkeypatch.setattr(diffusion, "generate_image", lambda *a, **k: calls.append(1) or real(*a, **k))
    at.session_state[f"{KEY}_tab"] = "Clip"
    at.run()
    at.slider(key=f"{KEY}_clip_frames").set_value(4).run()
    at.toggle(key=f"{KEY}_clip_bounce").set_value(False).run()
    assert not at.exception and calls == []
    assert page_state(at).clip is None


def test_a_10000_character_prompt_is_cut_to_77_tokens_and_says_so(app_env):
    at = small(run_page(PAGE))
    prompt = ("sunflower field " * 700)[:10_000]
    at.text_area(key=f"{KEY}_prompt").set_value(prompt)
    at.button(key=f"{KEY}_generate").click().run()
    assert not at.exception
    notice = texts(at.info)
    assert "77 tokens" in notice and "were cut" in notice
    result, window = page_state(at).picture.result, page_state(at).picture.window
    assert len(window.kept) == 77 and window.was_cut
    assert result.image.size == (64, 64)
