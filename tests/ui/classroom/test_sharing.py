"""Pages send work to the class, run for real with AppTest: Generate on the class prompt, a vote on the RLHF
page, a picture to the gallery; a closed round keeps the work on the learner's page."""

from __future__ import annotations

from tests.conftest import run_page
from tests.helpers import CLASS_PROMPT, class_with_teacher, generate_on_class_prompt, shown_lines

PROMPT = CLASS_PROMPT
T = "text_generation_"


def test_generate_on_the_class_prompt_sends_each_text_with_its_knobs(app_env, class_env):
    made, _ = class_with_teacher(class_env, text_prompt=PROMPT)
    at = generate_on_class_prompt(made.code, 0.9, seed=7)
    written = at.session_state[T + "state"].result
    entries = class_env.entries(made.code, ("text",))
    assert [e.text for e in entries] == [written.texts[0].strip()]
    assert entries[0].settings["temperature"] == 0.9 and entries[0].settings["seed"] == 7
    assert entries[0].name == at.session_state["class_member"].name
    assert any("Sent your 1 text to class" in str(t.value) for t in at.toast)


def test_another_prompt_or_a_closed_round_sends_nothing(app_env, class_env):
    made, teacher = class_with_teacher(class_env, text_prompt=PROMPT)
    at = run_page("text_generation.py", link={"class": made.code})
    at.slider(key=T + "max_new_tokens").set_value(4)
    at.button(key=T + "generate").click().run()  # the page's own example prompt, not the class's
    assert class_env.entries(made.code) == []
    at = run_page("text_generation.py", link={"class": made.code})
    at.button(key=T + "use_class_prompt").click().run()
    class_env.set_open(made.code, teacher, "text", False)  # the teacher closes the round meanwhile
    at.slider(key=T + "max_new_tokens").set_value(4)
    at.button(key=T + "generate").click().run()
    assert not at.exception and class_env.entries(made.code) == []
    assert any("closed the text round" in str(t.value) for t in at.toast)
    assert at.session_state[T + "state"].result.texts  # the learner's texts stay on their page


def test_a_vote_on_the_rlhf_page_reaches_the_class_tally(app_env, class_env):
    made, _ = class_with_teacher(class_env)
    at = run_page("rlhf.py", link={"class": made.code})
    assert "counts in the class's tally" in shown_lines(at.caption)
    at.number_input(key="rlhf_tokens").set_value(8)
    at.button(key="rlhf_propose").click().run()
    at.button(key="rlhf_pick_a").click().run()
    assert not at.exception
    chosen = at.session_state["rlhf_state"].taste.preferences[0]
    votes = class_env.entries(made.code, ("vote",))
    assert [(v.settings["prompt"], v.settings["chosen"], v.settings["rejected"]) for v in votes] == [
        (chosen.prompt, chosen.chosen, chosen.rejected)]


def test_a_picture_goes_to_the_gallery_with_a_link_that_makes_it_again(app_env, class_env):
    made, _ = class_with_teacher(class_env)
    at = run_page("image_generation.py", link={"class": made.code})
    for name, value in (("steps", 2), ("width", 64), ("height", 64), ("seed", 5)):
        at.number_input(key=f"image_generation_{name}").set_value(value)
    at.text_area(key="image_generation_prompt").set_value("a red boat")
    at.button(key="image_generation_generate").click().run()
    at.button(key="image_generation_to_gallery").click().run()
    assert not at.exception
    [picture] = class_env.entries(made.code, ("picture",), with_data=True)
    assert picture.text == "a red boat" and picture.settings["seed"] == 5 and picture.settings["steps"] == 2
    assert picture.data.startswith(b"\x89PNG")
    # The link carries the address's parameters (AppTest keeps no widget values there: the browser test checks them).
    assert picture.settings["link"].split("?")[0] == "/image_generation" and "class=" not in picture.settings["link"]


def test_outside_a_class_nothing_offers_to_send(app_env, class_env):
    at = run_page("image_generation.py")
    for name, value in (("steps", 2), ("width", 64), ("height", 64)):
        at.number_input(key=f"image_generation_{name}").set_value(value)
    at.button(key="image_generation_generate").click().run()
    assert "image_generation_to_gallery" not in [b.key for b in at.button]
