"""A first-in-first-out line for work that runs one at a time.

A diffusion run already keeps every CPU core busy: two runs at once only halve each other's speed, and
both learners wait twice as long for their first picture. So runs take turns, in arrival order, and a
waiting session is told its place in line.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

POLL_S = 0.25  # how often a waiting session hears its place in line (and can leave)


class TurnQueue:
    """Runs at most `slots` pieces of work at once; the others wait in line, first come first served."""

    def __init__(self, slots: int = 1) -> None:
        self._slots = slots
        self._cond = threading.Condition()
        self._line: deque[object] = deque()
        self._running = 0
        self._run_s = 0.0  # how long a recent turn took (for the expected wait)

    @contextmanager
    def turn(self, on_wait: Callable[[int, float], None] | None = None) -> Iterator[None]:
        """Wait for this caller's turn, then run the `with` body.

        While waiting, `on_wait(ahead, expected_s)` is called about every quarter second with how many
        runs are ahead and a rough wait in seconds, and once more with (0, 0.0) when the turn comes. If it
        raises (the session left), the caller leaves the line and the exception goes on.
        """
        ticket = object()
        waited = False
        with self._cond:
            self._line.append(ticket)
        try:
            while True:
                with self._cond:
                    position = self._line.index(ticket)
                    if position == 0 and self._running < self._slots:
                        self._line.popleft()
                        self._running += 1
                        break
                    ahead = position + self._running
                    expected = ahead * self._run_s / self._slots
                if on_wait is not None:
                    on_wait(ahead, expected)
                    waited = True
                with self._cond:
                    self._cond.wait(POLL_S)
        except BaseException:
            with self._cond:
                if ticket in self._line:
                    self._line.remove(ticket)
                self._cond.notify_all()
            raise
        started = time.perf_counter()
        try:
            if waited and on_wait is not None:
                on_wait(0, 0.0)
            yield
        finally:
            with self._cond:
                self._running -= 1
                took = time.perf_counter() - started
                self._run_s = took if self._run_s == 0 else 0.7 * self._run_s + 0.3 * took
                self._cond.notify_all()

    def busy(self) -> bool:
        """Whether a run is going on or waiting for its turn."""
        with self._cond:
            return bool(self._running or self._line)

    def waiting(self) -> int:
        """How many callers wait in line right now."""
        with self._cond:
            return len(self._line)
