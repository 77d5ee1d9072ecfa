"""The process's one class store follows the settings."""

from __future__ import annotations

import pytest

from genai_demo.classroom.shared import class_store
from genai_demo.classroom.store import StoreUnavailable
from tests.conftest import reset_app_state


def test_every_session_shares_one_store_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("GENAI_DATA_DIR", str(tmp_path / "new" / "folder"))
    reset_app_state()
    store = class_store()
    assert class_store() is store
    assert (tmp_path / "new" / "folder" / "class.db").exists()
    monkeypatch.setenv("GENAI_CLASS_DB", f"sqlite:///{tmp_path / 'other.db'}")
    reset_app_state()
    assert class_store() is not store and class_store().url.endswith("other.db")
    reset_app_state()


def test_a_data_folder_that_cannot_be_made_says_so(monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("GENAI_DATA_DIR", str(tmp_path / "a-file" / "data"))
    reset_app_state()
    with pytest.raises(StoreUnavailable, match="cannot be made"):
        class_store()
    reset_app_state()


def test_a_class_db_that_is_no_url_is_refused_at_once(monkeypatch):
    monkeypatch.setenv("GENAI_CLASS_DB", "/var/lib/class.db")
    reset_app_state()
    with pytest.raises(ValueError, match="must be a SQLAlchemy URL"):
        class_store()
    reset_app_state()
