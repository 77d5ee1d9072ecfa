"""Per-process thread limits that several browser sessions (Streamlit threads) can hold at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


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
