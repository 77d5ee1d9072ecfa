"""The Class page, run for real with AppTest: starting a class, the teacher's controls (and no learner's way to
them), hiding, clearing, export, and the model trained on the class's votes in front of everyone."""

from __future__ import annotations

import json

from tests.conftest import run_page
from tests.helpers import class_with_teacher, learner_in, shown_lines

PAGE = "class_room.py"
C = "class_room_"


def test_outside_a_class_the_page_says_how_to_join_and_offers_to_start_one(app_env, class_env):
    at = run_page(PAGE)
    assert not at.exception
    assert "not in a class" in shown_lines(at.info)
    at.button(key=C + "start").click().run()
    code = at.session_state["class"]
    info = class_env.get_class(code)
    assert info is not None and class_env.member(code, at.session_state["learner"]).teacher
    assert at.session_state["class_teacher_key"][0] == code  # shown to this teacher only, under their controls


def test_the_teacher_sets_the_prompt_and_closes_and_opens_rounds(app_env, class_env):
    made, _ = class_with_teacher(class_env)
    at = run_page(PAGE, link={"class": made.code, "teacher": made.teacher_key})
    assert "Teacher controls" in str(at.expander[0].label)
    at.text_area(key=C + "text_prompt").set_value("The robot opened the door and")
    at.button(key=C + "text_set").click().run()
    assert class_env.get_class(made.code).text_prompt == "The robot opened the door and"
    at.button(key=C + "text_toggle").click().run()
    assert not class_env.get_class(made.code).is_open("text")
    at.button(key=C + "votes_toggle").click().run()
    assert not class_env.get_class(made.code).is_open("votes")
    assert made.code in shown_lines(at.markdown) and len(at.get("image")) >= 1  # the join link and its QR code


def test_a_learner_sees_no_teacher_controls(app_env, class_env):
    made, _ = class_with_teacher(class_env, text_prompt="Hello")
    at = run_page(PAGE, link={"class": made.code})
    assert not at.exception and at.session_state["class_member"] is not None
    assert not [e for e in at.expander if "Teacher" in str(e.label)]
    assert not [b for b in at.button if b.key and b.key.startswith(C) and b.key != C + "train"]
    assert not at.get("download_button")


def test_hide_and_clear(app_env, class_env):
    made, _ = class_with_teacher(class_env, text_prompt="Hello")
    learner = learner_in(class_env, made.code)
    class_env.submit(made.code, learner, "text_generation", "text",
                     [("rude words", {"prompt": "Hello", "temperature": 1.0}), ("kind words", {"prompt": "Hello"})])
    at = run_page(PAGE, link={"class": made.code, "teacher": made.teacher_key})
    rude = next(e for e in class_env.entries(made.code) if e.text == "rude words")
    at.selectbox(key=C + "hide_choice").set_value(rude).run()
    at.button(key=C + "hide").click().run()
    assert [e.text for e in class_env.entries(made.code)] == ["kind words"]
    assert "rude words" not in shown_lines(at.markdown)
    at.checkbox(key=C + "clear_sure").check().run()
    at.button(key=C + "clear").click().run()
    assert class_env.entries(made.code, include_hidden=True) == []


def test_the_export_holds_every_entry_and_no_teacher_key(app_env, class_env):
    made, _ = class_with_teacher(class_env, text_prompt="Hello")
    learner = learner_in(class_env, made.code)
    class_env.submit(made.code, learner, "text_generation", "text", [("one", {"prompt": "Hello"})])
    at = run_page(PAGE, link={"class": made.code, "teacher": made.teacher_key})
    labels = [str(button.proto.label) for button in at.get("download_button")]
    assert labels == ["Export everything (JSON)", "Export entries (CSV)"]
    exported = class_env.export(made.code)  # what the JSON button downloads
    assert [e["text"] for e in exported["entries"]] == ["one"] and made.teacher_key not in json.dumps(exported)


def test_the_teacher_trains_the_model_on_the_class_votes_and_everyone_sees_before_and_after(app_env, class_env):
    made, _ = class_with_teacher(class_env)
    prompts = ("Say hello.", "Name a fruit.")
    for prompt in prompts:  # the class likes short answers
        for _ in range(2):
            vote = {"prompt": prompt, "chosen": "Hi.", "rejected": "Well, hello there, how are you doing today?"}
            class_env.submit(made.code, learner_in(class_env, made.code), "rlhf", "vote", [(vote["chosen"], vote)])
    at = run_page(PAGE, link={"class": made.code, "teacher": made.teacher_key, C + "tab": "Class feedback (RLHF)"})
    at.button(key=C + "train").click().run(timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    feedback = class_env.get_class(made.code).feedback
    assert feedback["pairs"] == 4 and len(feedback["losses"]) >= 1
    assert [s["prompt"] for s in feedback["samples"]] == sorted(prompts)
    assert feedback["length_weight"] < 0  # the reward model learned that the class prefers shorter answers
    learner_view = run_page(PAGE, link={"class": made.code, C + "tab": "Class feedback (RLHF)"})
    shown = shown_lines(learner_view.markdown)
    assert "After the class's votes" in shown and "trained on the class's 4 votes" in shown
    assert feedback["samples"][0]["after"][0][:20] in shown.replace("\\", "")
