"""The process's one class store, opened on first use from the settings (GENAI_CLASS_DB, GENAI_DATA_DIR)."""

from __future__ import annotations

import threading
from pathlib import Path

from genai_demo.classroom.store import ClassStore, StoreUnavailable
from genai_demo.config import settings

_stores: dict[tuple[str, float], ClassStore] = {}
_lock = threading.Lock()


def class_store() -> ClassStore:
    """The store every session of this process shares; StoreUnavailable when its database cannot be opened."""
    config = settings()
    key = (config.class_db, config.class_retention_days)
    with _lock:
        store = _stores.get(key)
        if store is None:
            if config.class_db.startswith("sqlite:///"):
                folder = Path(config.class_db.removeprefix("sqlite:///")).parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise StoreUnavailable(f"The class database's folder {folder} cannot be made ({error.strerror}). "
                                           "Class features are off for now; everything else works.") from None
            store = _stores[key] = ClassStore(config.class_db, config.class_retention_days)
    return store
