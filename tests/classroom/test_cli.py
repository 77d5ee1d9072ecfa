"""`python -m genai_demo class new | show | export`, run as a user would, in a process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from genai_demo.classroom import codes
from genai_demo.classroom.store import ClassStore

ROOT = Path(__file__).resolve().parents[2]


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GENAI_DATA_DIR": str(data)}
    return subprocess.run([sys.executable, "-m", "genai_demo", "class", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_new_prints_the_code_the_join_link_and_the_teacher_link_and_show_prints_every_entry(tmp_path):
    made = _cli(tmp_path, "new", "--url", "http://10.0.0.5:8501/")
    assert made.returncode == 0, made.stderr
    lines = made.stdout.splitlines()
    code = made.stdout.split()[1]
    assert codes.normalise_code(code) == code
    assert f"http://10.0.0.5:8501/class_room?class={code}" in made.stdout
    key = made.stdout.split("teacher=")[1].split()[0]
    assert [line.split()[0] for line in lines] == ["code", "join", "teacher"] and key

    store = ClassStore(f"sqlite:///{tmp_path / 'class.db'}")  # the same database the app uses
    teacher = codes.new_learner_id()
    store.join(code, teacher, teacher_key=key)  # the printed key is this class's teacher key
    store.set_prompt(code, teacher, "text", "Hello")
    learner = codes.new_learner_id()
    store.join(code, learner, name="Ada")
    store.submit(code, learner, "text_generation", "text", [("Hello world <b>", {"prompt": "Hello", "seed": 3})])
    store.close()

    shown = _cli(tmp_path, "show", code.lower(), "--json")
    assert shown.returncode == 0, shown.stderr
    [entry] = json.loads(shown.stdout)["entries"]
    assert (entry["name"], entry["page"], entry["kind"], entry["text"], entry["settings"]["seed"]) == (
        "Ada", "text_generation", "text", "Hello world <b>", 3)
    assert entry["time"].endswith("Z")
    exported = json.loads(_cli(tmp_path, "export", code).stdout)
    assert exported["text_prompt"] == "Hello" and key not in json.dumps(exported)
    csv_text = _cli(tmp_path, "export", code, "--csv").stdout
    assert csv_text.splitlines()[0] == "id,time,name,page,kind,text,settings,hidden" and "Ada" in csv_text


def test_an_unknown_code_fails_with_a_message(tmp_path):
    result = _cli(tmp_path, "show", "ZZZZZZ")
    assert result.returncode == 1 and "no class with the code" in result.stderr


def test_a_database_that_cannot_be_opened_fails_with_a_message(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    result = _cli(tmp_path / "a-file", "new")
    assert result.returncode == 1 and "cannot be made" in result.stderr
