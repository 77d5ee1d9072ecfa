"""The sidebar's class panel, run for real with AppTest: join links, teacher links, wrong codes, leaving,
'Forget my work', the learner's cookie, and a database that is down."""

from __future__ import annotations

from genai_demo.classroom import codes
from genai_demo.ui.classroom.membership import LEARNER_COOKIE
from tests.conftest import reset_app_state, run_page
from tests.helpers import class_with_teacher, shown_lines

HOME = "home.py"


def _member(at):
    return at.session_state["class_member"]


def test_a_join_link_puts_the_learner_in_the_class_with_a_name(class_env):
    made, _ = class_with_teacher(class_env)
    at = run_page(HOME, link={"class": made.code.lower()[:3] + "-" + made.code.lower()[3:]})
    assert not at.exception
    member = _member(at)
    assert member.code == made.code and not member.teacher and member.name
    assert at.query_params["class"] == made.code  # the code in its one written form, kept in the address
    assert class_env.member(made.code, at.session_state["learner"]).name == member.name


def test_a_teacher_link_makes_a_teacher_and_leaves_no_key_in_the_address(class_env):
    made, _ = class_with_teacher(class_env)
    at = run_page(HOME, link={"class": made.code, "teacher": made.teacher_key})
    assert _member(at).teacher
    assert "teacher" not in at.query_params
    assert made.teacher_key not in str([e.proto for e in at.get("html")]) + shown_lines(at.markdown)


def test_a_guessed_teacher_key_or_a_wrong_code_joins_nothing_and_says_why(class_env):
    made, _ = class_with_teacher(class_env)
    guessed = run_page(HOME, link={"class": made.code, "teacher": "guessed"})
    assert _member(guessed) is None and "not this class's" in shown_lines(guessed.warning)
    assert class_env.member(made.code, guessed.session_state["learner"]) is None
    wrong = run_page(HOME, link={"class": "ZZZZZZ"})
    assert _member(wrong) is None and "no class with that code" in shown_lines(wrong.warning)
    typo = run_page(HOME, link={"class": "hello"})
    assert "not a class code" in shown_lines(typo.warning)
    assert not wrong.exception and not typo.exception and wrong.title[0].value  # the page itself works


def test_the_same_browser_comes_back_as_the_same_learner(class_env):
    made, _ = class_with_teacher(class_env)
    first = run_page(HOME, link={"class": made.code})
    learner = first.session_state["learner"]
    again = run_page(HOME, link={"class": made.code}, state={"learner": learner})
    assert _member(again) == _member(first)
    assert class_env.get_class(made.code).members == 2  # the teacher and one learner, not two


def test_a_new_browser_is_told_to_keep_its_learner_id_in_a_cookie(class_env):
    at = run_page(HOME)
    learner = at.session_state["learner"]
    assert codes.valid_learner_id(learner)
    scripts = [e.proto.body for e in at.sidebar.get("html")]
    assert any(f"{LEARNER_COOKIE}={learner}" in body for body in scripts)


def test_leaving_and_forgetting(class_env):
    made, _ = class_with_teacher(class_env)
    at = run_page(HOME, link={"class": made.code})
    learner = at.session_state["learner"]
    class_env.save_work(learner, "chat", "conversation", {"history": [], "pending": ["hello"]})
    at.button(key="class_forget").click().run()
    assert not at.exception
    assert class_env.load_work(learner, "chat", "conversation") is None
    assert class_env.member(made.code, learner) is None
    assert at.session_state["class"] == ""


def test_a_database_that_is_down_turns_the_class_off_and_the_page_still_works(app_env, monkeypatch, tmp_path):
    monkeypatch.setenv("GENAI_CLASS_DB", f"postgresql+psycopg://nobody@/x?host={tmp_path}&port=1")
    reset_app_state()
    at = run_page("text_generation.py", link={"class": "K7QH2M"})
    assert not at.exception
    assert "class database is not working" in shown_lines(at.sidebar.warning)
    assert at.title[0].value == "Text generation" and at.text_area(key="text_generation_prompt").value
