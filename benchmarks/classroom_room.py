"""A class of 50 sending to one projector: how soon an entry is on the screen, and what the projector costs.

The real app (`streamlit run`) serves the Class page to one headless Chromium projector (the teacher's view,
text tab). Simulated learners join the class and send texts through the class store, the same call the Text
generation page makes after Generate, each with a marker the projector then shows. Measured in one run:

- **latency**: from a learner's send until the projector's page shows it (polled in the browser every 50 ms);
  goal: within 2 s (the projector refreshes itself every REFRESH_S);
- **the projector's cost to the server**: the server process's CPU seconds per refresh, with the class's
  texts on screen, minus the same server's CPU with no projector open (the baseline, same run); goal < 50 ms;
- **the database's writes per second**: every learner sending at once, as fast as the rate limit allows, on
  SQLite (and on PostgreSQL where Debian's server is installed).

    python benchmarks/classroom_room.py                 # 50 learners
    python benchmarks/classroom_room.py --learners 200
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROMPT = "Once upon a time, in a small village by the sea,"
ROUNDS = 4  # texts each learner sends, one every ROUND_GAP_S
ROUND_GAP_S = 3.0
WINDOW_S = 15.0  # CPU sampling windows


def knobs(index: int) -> dict:
    return {"prompt": PROMPT, "temperature": round(0.1 + (index % 19) * 0.1, 1), "top_k": 50, "top_p": 0.95,
            "repetition_penalty": 1.0, "max_new_tokens": 40, "seed": index, "column": 1}


def writes_per_second(url: str, learners: int) -> float:
    """Every learner sends as many entries as the rate limit allows, all at once: entries written per second."""
    from genai_demo.classroom import codes
    from genai_demo.classroom.store import RATE_LIMIT, ClassStore
    from tests.helpers import class_with_teacher

    store = ClassStore(url)
    made, _ = class_with_teacher(store, text_prompt=PROMPT)
    ids = [codes.new_learner_id() for _ in range(learners)]
    for learner in ids:
        store.join(made.code, learner)

    def send(index: int, learner: str) -> None:
        for _ in range(RATE_LIMIT // 4):
            store.submit(made.code, learner, "text_generation", "text", [(f"t{index}", knobs(index))] * 4)

    threads = [threading.Thread(target=send, args=(i, learner)) for i, learner in enumerate(ids)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    written = len(store.entries(made.code))
    store.close()
    assert written == learners * (RATE_LIMIT // 4) * 4, written
    return written / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=50)
    args = parser.parse_args()

    import psutil

    from genai_demo.classroom import codes
    from genai_demo.classroom.store import ClassStore
    from genai_demo.ui.classroom.projector import REFRESH_S
    from tests.browser import browser_page, running_app, wait_until_rendered
    from tests.helpers import class_with_teacher
    from tests.postgres import PostgresServer, server_binaries

    data = Path(tempfile.mkdtemp(prefix="genai-room-"))
    store = ClassStore(f"sqlite:///{data / 'class.db'}")
    made, _ = class_with_teacher(store, text_prompt=PROMPT)
    learners = [codes.new_learner_id() for _ in range(args.learners)]
    for learner in learners:
        store.join(made.code, learner)

    with running_app(env={"GENAI_DATA_DIR": str(data)}) as app:
        server = psutil.Process(app.pid)
        server.cpu_percent()  # start counting
        time.sleep(3)
        idle = server.cpu_times()
        time.sleep(WINDOW_S)
        after = server.cpu_times()
        idle_cpu_s = (after.user + after.system - idle.user - idle.system) / WINDOW_S

        with browser_page(1280, 720) as projector:
            projector.goto(f"{app.url}/class_room?class={made.code}&teacher={made.teacher_key}")
            wait_until_rendered(projector)
            seen: dict[str, float] = {}
            sent: dict[str, float] = {}
            lock = threading.Lock()

            def learner_session(index: int, learner: str) -> None:
                time.sleep(index * ROUND_GAP_S / len(learners))  # the class does not press at one instant
                for round_ in range(ROUNDS):
                    marker = f"m{index}r{round_}x"
                    with lock:
                        sent[marker] = time.perf_counter()
                    store.submit(made.code, learner, "text_generation", "text",
                                 [(f"{marker} there lived a fisherman.", knobs(index))])
                    time.sleep(ROUND_GAP_S)

            threads = [threading.Thread(target=learner_session, args=(i, learner), daemon=True)
                       for i, learner in enumerate(learners)]
            for thread in threads:
                thread.start()
            deadline = time.perf_counter() + ROUNDS * ROUND_GAP_S + 2 * ROUND_GAP_S + 10
            while time.perf_counter() < deadline and (any(t.is_alive() for t in threads) or len(seen) < len(sent)):
                text = projector.evaluate("() => document.body.innerText")
                now = time.perf_counter()
                with lock:
                    markers = list(sent)
                for marker in markers:
                    if marker not in seen and marker in text:
                        seen[marker] = now
                projector.wait_for_timeout(50)
            latencies = [seen[m] - sent[m] for m in seen]

            # The projector alone, with the class's texts on its screen: what its refreshes cost the server.
            before = server.cpu_times()
            time.sleep(WINDOW_S)
            after = server.cpu_times()
            open_cpu_s = (after.user + after.system - before.user - before.system) / WINDOW_S
    store.close()

    refreshes_per_s = 1 / REFRESH_S
    refresh_ms = max(0.0, open_cpu_s - idle_cpu_s) / refreshes_per_s * 1000
    sqlite_writes = writes_per_second(f"sqlite:///{data / 'writes.db'}", args.learners)
    binaries = server_binaries()
    pg_writes = None
    if binaries is not None:
        postgres = PostgresServer(binaries)
        try:
            pg_writes = writes_per_second(postgres.new_database("room"), args.learners)
        finally:
            postgres.stop()

    print(f"{args.learners} learners, {ROUNDS} texts each, one every {ROUND_GAP_S:g} s; projector refreshes every "
          f"{REFRESH_S:g} s")
    print(f"on the projector:  {len(seen)} of {len(sent)} entries seen (a learner's newer text replaces the older)")
    if latencies:
        print(f"latency send -> on screen: median {statistics.median(latencies):.2f} s, "
              f"p95 {sorted(latencies)[int(0.95 * (len(latencies) - 1))]:.2f} s, max {max(latencies):.2f} s "
              f"(goal: within 2 s)")
    print(f"server CPU: {idle_cpu_s * 1000:.1f} ms/s idle (baseline), {open_cpu_s * 1000:.1f} ms/s with the projector "
          f"open -> {refresh_ms:.1f} ms per refresh (goal < 50 ms), {refresh_ms * refreshes_per_s / 10:.1f}% of a core")
    print(f"database writes: SQLite {sqlite_writes:,.0f} entries/s"
          + (f", PostgreSQL {pg_writes:,.0f} entries/s" if pg_writes else ", PostgreSQL not installed"))


if __name__ == "__main__":
    main()
