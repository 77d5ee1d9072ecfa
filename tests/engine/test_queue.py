"""genai_demo.engine.queue: the line for work that runs one at a time is first come, first served."""

from __future__ import annotations

import threading

from genai_demo.engine.queue import TurnQueue


def test_the_line_is_first_come_first_served_and_a_learner_who_leaves_loses_their_place():
    line = TurnQueue()
    order: list[str] = []
    queued = {name: threading.Event() for name in ("b", "c", "gone")}

    def learner(name: str) -> None:
        def on_wait(ahead: int, _: float) -> None:
            queued[name].set()
            if name == "gone" and ahead:
                raise RuntimeError("tab closed")  # what Streamlit raises when a session ends

        try:
            with line.turn(on_wait):
                order.append(name)
        except RuntimeError:
            order.append("left")

    threads = {}
    with line.turn():
        for name in ("b", "gone", "c"):
            threads[name] = threading.Thread(target=learner, args=(name,))
            threads[name].start()
            assert queued[name].wait(timeout=30)  # in line before the next one arrives
        threads["gone"].join(timeout=30)
        assert order == ["left"]
    for thread in threads.values():
        thread.join(timeout=30)
    assert order == ["left", "b", "c"] and line.waiting() == 0
