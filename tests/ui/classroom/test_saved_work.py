"""A learner's own work survives a new session of the same browser (a reload, a second tab, a restart): the
chat, the RLHF pairs and the fine-tuning text, run for real with AppTest through the pages."""

from __future__ import annotations

from genai_demo.classroom import codes
from tests.conftest import reset_app_state, run_page
from tests.helpers import shown_lines


def test_a_chat_comes_back_in_a_new_session_of_the_same_browser(app_env, class_env):
    learner = codes.new_learner_id()
    at = run_page("chat.py", state={"learner": learner})
    at.chat_input(key="chat_input").set_value("Hello there").run()
    assert not at.exception
    written = [(m.role, m.content) for m in at.session_state["chat_state"].history]
    assert written[0] == ("user", "Hello there") and len(written) == 2
    again = run_page("chat.py", state={"learner": learner})
    assert [(m.role, m.content) for m in again.session_state["chat_state"].history] == written
    assert "Hello there" in shown_lines(again.markdown)
    stranger = run_page("chat.py")  # another browser sees none of it
    assert stranger.session_state["chat_state"].history == []


def test_a_message_sent_just_before_a_reload_is_still_answered(app_env, class_env):
    learner = codes.new_learner_id()
    class_env.save_work(learner, "chat", "conversation", {"history": [], "pending": ["Are you there?"]})
    at = run_page("chat.py", state={"learner": learner})
    history = at.session_state["chat_state"].history
    assert [m.role for m in history] == ["user", "assistant"] and history[0].content == "Are you there?"
    assert class_env.load_work(learner, "chat", "conversation")["pending"] == []


def test_rlhf_pairs_come_back(app_env, class_env):
    learner = codes.new_learner_id()
    at = run_page("rlhf.py", state={"learner": learner})
    at.number_input(key="rlhf_tokens").set_value(8)
    at.button(key="rlhf_propose").click().run()
    at.button(key="rlhf_pick_b").click().run()
    assert not at.exception
    pairs = at.session_state["rlhf_state"].taste.preferences
    assert len(pairs) == 1
    again = run_page("rlhf.py", state={"learner": learner})
    assert again.session_state["rlhf_state"].taste.preferences == pairs
    assert again.session_state["rlhf_state"].rounds == 1  # the next pair is a new one, not the same again
    assert "1 preferences collected" in shown_lines(again.markdown)


def test_the_fine_tuning_text_comes_back_unless_a_link_brings_another(app_env, class_env):
    learner = codes.new_learner_id()
    at = run_page("fine_tuning.py", state={"learner": learner})
    at.selectbox(key="fine_tuning_source").set_value("My own text").run()
    at.text_area(key="fine_tuning_text").set_value("Sea shanty number one. Heave ho, heave ho.").run()
    assert not at.exception
    again = run_page("fine_tuning.py", state={"learner": learner})
    assert again.text_area(key="fine_tuning_text").value == "Sea shanty number one. Heave ho, heave ho."
    linked = run_page("fine_tuning.py", state={"learner": learner}, link={"fine_tuning_text": "From a link."})
    assert linked.text_area(key="fine_tuning_text").value == "From a link."


def test_a_page_with_the_database_down_works_for_this_visit_and_says_so(app_env, monkeypatch, tmp_path):
    monkeypatch.setenv("GENAI_CLASS_DB", f"postgresql+psycopg://nobody@/x?host={tmp_path}&port=1")
    reset_app_state()
    at = run_page("chat.py")
    at.chat_input(key="chat_input").set_value("Hello").run()
    assert not at.exception
    assert len(at.session_state["chat_state"].history) == 2
    assert "class database is not working" in shown_lines(at.sidebar.warning) + shown_lines(at.warning)
