"""The class store on a real database: SQLite in a temporary folder and PostgreSQL, the same tests on both."""

from __future__ import annotations

import threading
import time

import pytest

from genai_demo.classroom import codes
from genai_demo.classroom import store as store_module
from genai_demo.classroom.store import ClassError, ClassStore, StoreUnavailable

KNOBS = {"temperature": 0.8, "top_k": 50, "top_p": 0.95, "repetition_penalty": 1.0, "max_new_tokens": 40, "seed": 0}


@pytest.fixture
def store(class_db_url):
    opened = ClassStore(class_db_url)
    yield opened
    opened.close()


def _learner() -> str:
    return codes.new_learner_id()


def _class_with_prompt(store: ClassStore, prompt: str = "Once upon a time"):
    made = store.new_class()
    teacher = _learner()
    store.join(made.code, teacher, teacher_key=made.teacher_key)
    store.set_prompt(made.code, teacher, "text", prompt)
    return made, teacher


def test_a_class_has_a_short_code_a_teacher_and_learners_with_names(store):
    made = store.new_class()
    assert codes.normalise_code(made.code) == made.code and len(made.code) == codes.CODE_LENGTH
    teacher = store.join(made.code, _learner(), teacher_key=made.teacher_key)
    learners = [store.join(made.code.lower(), _learner()) for _ in range(25)]
    assert teacher.teacher and not any(learner.teacher for learner in learners)
    names = [teacher.name] + [learner.name for learner in learners]
    assert len(set(names)) == len(names)  # every learner gets a name of their own
    assert store.get_class(made.code).members == 26
    again = store.join(made.code, learners[0].learner, name="ignored")
    assert again.name == learners[0].name  # joining again keeps the name


def test_a_wrong_teacher_key_or_code_is_refused_and_changes_nothing(store):
    made = store.new_class()
    learner = _learner()
    with pytest.raises(ClassError, match="not this class"):
        store.join(made.code, learner, teacher_key="guessed-key")
    assert store.member(made.code, learner) is None
    with pytest.raises(ClassError, match="no class with that code"):
        store.join("ZZZZZZ", learner)
    assert store.get_class("not a code") is None


def test_only_a_teacher_can_run_the_class(store):
    made, teacher = _class_with_prompt(store)
    learner = _learner()
    store.join(made.code, learner)
    entry = store.submit(made.code, learner, "text_generation", "text",
                         [("hello", {"prompt": "Once upon a time", **KNOBS})])[0]
    for action in (lambda: store.set_prompt(made.code, learner, "text", "mine now"),
                   lambda: store.set_open(made.code, learner, "text", False),
                   lambda: store.hide(made.code, learner, entry, True),
                   lambda: store.clear(made.code, learner),
                   lambda: store.set_feedback(made.code, learner, {"x": 1})):
        with pytest.raises(ClassError, match="Only the class's teacher"):
            action()
    info = store.get_class(made.code)
    assert info.text_prompt == "Once upon a time" and info.is_open("text")
    assert [e.id for e in store.entries(made.code)] == [entry]


def test_two_teachers_share_one_class_and_the_last_change_says_who(store):
    made = store.new_class()
    first, second = _learner(), _learner()
    store.join(made.code, first, teacher_key=made.teacher_key)
    second_name = store.join(made.code, second, teacher_key=made.teacher_key).name
    store.set_prompt(made.code, first, "text", "First prompt")
    store.set_prompt(made.code, second, "text", "Second prompt")
    info = store.get_class(made.code)
    assert info.text_prompt == "Second prompt" and info.changed_by == second_name


def test_what_a_learner_sends_is_cleaned_and_capped_but_kept_literally(store):
    made, _ = _class_with_prompt(store)
    learner = _learner()
    store.join(made.code, learner)
    text = "<script>alert(1)</script>\x00\x1b[31m # heading \u202eevil\u202c 🤖 日本語 $x^2$" + "a" * 5000
    store.submit(made.code, learner, "text_generation", "text",
                 [(text, {"prompt": "Once upon a time", **KNOBS, "nan": float("nan"), "deep": {"x": "\x07y"}})])
    entry = store.entries(made.code)[0]
    assert entry.text.startswith("<script>alert(1)</script>[31m # heading evil 🤖 日本語 $x^2$")
    assert "\x00" not in entry.text and "\x1b" not in entry.text and "\u202e" not in entry.text
    assert len(entry.text) == store_module.MAX_TEXT_CHARS["text"]
    assert entry.settings["nan"] is None and entry.settings["deep"] == {"x": "y"}


def test_a_closed_round_a_changed_prompt_and_a_stranger_are_refused(store):
    made, teacher = _class_with_prompt(store)
    learner = _learner()
    store.join(made.code, learner)
    item = [("text", {"prompt": "Once upon a time", **KNOBS})]
    with pytest.raises(ClassError, match="not in this class"):
        store.submit(made.code, _learner(), "text_generation", "text", item)
    store.set_open(made.code, teacher, "text", False)
    with pytest.raises(ClassError, match="closed the text round"):
        store.submit(made.code, learner, "text_generation", "text", item)
    store.set_prompt(made.code, teacher, "text", "A new prompt")  # opens the round again
    with pytest.raises(ClassError, match="prompt has changed"):
        store.submit(made.code, learner, "text_generation", "text", item)
    assert store.entries(made.code) == []


def test_a_flood_from_one_learner_is_stopped_and_keeps_what_came_before(store):
    made, _ = _class_with_prompt(store)
    flooder, other = _learner(), _learner()
    store.join(made.code, flooder)
    store.join(made.code, other)
    item = [("text", {"prompt": "Once upon a time", **KNOBS})]
    for _ in range(store_module.RATE_LIMIT // 4):
        store.submit(made.code, flooder, "text_generation", "text", item * 4)
    with pytest.raises(ClassError, match="a lot at once"):
        store.submit(made.code, flooder, "text_generation", "text", item)
    store.submit(made.code, other, "text_generation", "text", item)  # the others are not held back
    assert len(store.entries(made.code)) == store_module.RATE_LIMIT + 1


def test_a_new_guess_replaces_the_learners_old_one(store):
    made = store.new_class()
    teacher, learner = _learner(), _learner()
    store.join(made.code, teacher, teacher_key=made.teacher_key)
    store.join(made.code, learner)
    with pytest.raises(ClassError, match="closed the guess round"):
        store.submit(made.code, learner, "class_room", "guess", [("cat", {"prompt": "x"})])
    store.set_prompt(made.code, teacher, "guess", "The cat sat on the")
    store.submit(made.code, learner, "class_room", "guess", [("table", {"prompt": "The cat sat on the"})])
    store.submit(made.code, learner, "class_room", "guess", [("mat", {"prompt": "The cat sat on the"})])
    assert [e.text for e in store.entries(made.code, ("guess",))] == ["mat"]


def test_two_hundred_learners_join_and_send_at_once_and_nothing_is_lost(store):
    made, _ = _class_with_prompt(store)
    errors: list[Exception] = []

    def learner_session(index: int) -> None:
        try:
            learner = _learner()
            store.join(made.code, learner)
            store.submit(made.code, learner, "text_generation", "text",
                         [(f"text {index} column {c}", {"prompt": "Once upon a time", **KNOBS}) for c in range(2)])
        except Exception as error:  # noqa: BLE001 - the test reports every failure
            errors.append(error)

    threads = [threading.Thread(target=learner_session, args=(i,)) for i in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    shown = store.entries(made.code)
    assert sorted(e.text for e in shown) == sorted(f"text {i} column {c}" for i in range(200) for c in range(2))
    assert store.get_class(made.code).members == 201
    assert len({e.name for e in shown}) == 200


def test_everything_survives_a_restart(class_db_url):
    first = ClassStore(class_db_url)
    made, teacher = _class_with_prompt(first)
    learner = _learner()
    first.join(made.code, learner, name="Ada")
    first.submit(made.code, learner, "text_generation", "text", [("kept", {"prompt": "Once upon a time", **KNOBS})])
    first.save_work(learner, "chat", "conversation", {"history": [{"role": "user", "content": "hi"}]})
    first.close()
    second = ClassStore(class_db_url)
    assert second.member(made.code, learner).name == "Ada"
    assert [e.text for e in second.entries(made.code)] == ["kept"]
    assert second.load_work(learner, "chat", "conversation") == {"history": [{"role": "user", "content": "hi"}]}
    assert second.member(made.code, teacher).teacher
    second.close()


def test_hide_clear_and_export(store):
    made, teacher = _class_with_prompt(store)
    learner = _learner()
    store.join(made.code, learner)
    first, second = store.submit(made.code, learner, "text_generation", "text",
                                 [(t, {"prompt": "Once upon a time", **KNOBS}) for t in ("one", "two")])
    store.hide(made.code, teacher, first)
    assert [e.text for e in store.entries(made.code)] == ["two"]
    assert [e.hidden for e in store.entries(made.code, include_hidden=True)] == [True, False]
    exported = store.export(made.code)
    assert [e["text"] for e in exported["entries"]] == ["one", "two"]
    assert "teacher_key" not in str(exported) and made.teacher_key not in str(exported)
    assert store.clear(made.code, teacher) == 2
    assert store.entries(made.code, include_hidden=True) == []
    assert store.get_class(made.code).members == 2  # the learners stay in the class


def test_a_learner_forgets_their_work_and_only_theirs(store):
    made, _ = _class_with_prompt(store)
    mine, theirs = _learner(), _learner()
    for learner in (mine, theirs):
        store.join(made.code, learner)
        store.submit(made.code, learner, "text_generation", "text",
                     [(learner, {"prompt": "Once upon a time", **KNOBS})])
        store.save_work(learner, "rlhf", "preferences", {"preferences": [], "rounds": 3})
    store.forget_learner(mine)
    assert store.load_work(mine, "rlhf", "preferences") is None
    assert [e.text for e in store.entries(made.code)] == [theirs]
    assert store.member(made.code, mine) is None
    assert store.load_work(theirs, "rlhf", "preferences") == {"preferences": [], "rounds": 3}


def test_classes_and_work_untouched_past_the_retention_period_are_deleted(class_db_url):
    store = ClassStore(class_db_url, retention_days=30)
    old = store.new_class(now=time.time() - 40 * 86_400)
    recent = store.new_class()
    learner = _learner()
    store.save_work(learner, "chat", "conversation", {"history": []})
    store.purge_expired(now=time.time() + 2 * 3_600)
    assert store.get_class(old.code) is None and store.get_class(recent.code) is not None
    store.purge_expired(now=time.time() + 31 * 86_400)
    assert store.load_work(learner, "chat", "conversation") is None
    store.close()


def test_a_database_that_cannot_be_reached_or_written_says_so(tmp_path):
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        ClassStore(f"postgresql+psycopg://nobody@/class?host={tmp_path / 'no-server'}&port=1")
    ClassStore(f"sqlite:///{tmp_path / 'class.db'}").close()
    with pytest.raises(StoreUnavailable, match="cannot be written to"):
        ClassStore(f"sqlite:///file:{tmp_path / 'class.db'}?mode=ro&uri=true")
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        ClassStore(f"sqlite:///{tmp_path / 'no-such-folder' / 'class.db'}")


def test_a_full_class_says_so(store, monkeypatch):
    monkeypatch.setattr(store_module, "MAX_MEMBERS", 3)
    made = store.new_class()
    for _ in range(3):
        store.join(made.code, _learner())
    with pytest.raises(ClassError, match="class is full"):
        store.join(made.code, _learner())


def test_the_teacher_key_is_stored_only_as_a_hash(tmp_path):
    store = ClassStore(f"sqlite:///{tmp_path / 'class.db'}")
    made = store.new_class()
    store.close()
    assert made.teacher_key.encode() not in (tmp_path / "class.db").read_bytes()
    assert codes.hash_key(made.teacher_key).encode() in (tmp_path / "class.db").read_bytes()


def test_the_csv_export_keeps_a_learners_formula_as_text(store):
    import csv
    import io

    from genai_demo.classroom.store import entries_csv

    made, _ = _class_with_prompt(store)
    learner = _learner()
    store.join(made.code, learner, name="=cmd|' /C calc'!A0")
    store.submit(made.code, learner, "text_generation", "text",
                 [('=HYPERLINK("http://evil","click")', {"prompt": "Once upon a time", **KNOBS})])
    [row] = list(csv.DictReader(io.StringIO(entries_csv(store.entries(made.code)))))
    assert row["text"] == '\'=HYPERLINK("http://evil","click")' and row["name"].startswith("'=")
