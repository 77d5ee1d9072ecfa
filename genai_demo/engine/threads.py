"""Locks and per-process thread limits that several browser sessions (Streamlit threads) share."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# Tokenizers are shared by every session; the Rust side raises "Already borrowed" when two threads
# encode at once with different settings, so each tokenizer gets its own lock. A text model's bundle
# uses this same lock (loader.py), so every path to one tokenizer is serialised by one lock.
_locks: weakref.WeakKeyDictionary[Any, threading.RLock] = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


# Building a model is not thread-safe in transformers 5 and diffusers: their lazy modules can hand a second
# importing thread a half-made module ("cannot import name 'AutoModelForCausalLM'"), and the empty-weights
# context that loading enters is process-wide ("Cannot copy out of meta tensor" in the other thread). Two
# sessions opening two model pages right after a restart did both. Models are built one at a time.
MODEL_BUILDING = threading.RLock()


def tokenizer_lock(tokenizer: Any) -> threading.RLock:
    """The one lock for this tokenizer, shared by every thread that uses it."""
    with _locks_guard:
        lock = _locks.get(tokenizer)
        if lock is None:
            lock = _locks[tokenizer] = threading.RLock()
        return lock


class SharedLimit:
    """A process-wide setting lowered while anyone needs it. The first user saves the old value and
    lowers it; the last one to leave, whichever session that is, restores it. A plain save-and-restore
    per user would leave the low value behind when two sessions overlap and the first one ends first."""

    def __init__(self, read: Callable[[], Any], write: Callable[[Any], None], low: Any) -> None:
        self._read, self._write, self._low = read, write, low
        self._lock = threading.Lock()
        self._users = 0
        self._saved: Any = None

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                self._saved = self._read()
                self._write(self._low)
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    self._write(self._saved)
