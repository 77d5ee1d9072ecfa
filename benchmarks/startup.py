"""Cold start: from `streamlit run app.py` to the home page rendered in headless Chromium.

    python benchmarks/startup.py [--runs 3]

Prints the time for each run, the median against the goal (under 2 s on 2 CPU cores), and whether
the server had loaded torch by the time the home page was on screen (goal: no).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import ROOT, browser_page, free_port, process_has_loaded, wait_for_port, wait_until_rendered  # noqa: E402

GOAL_SECONDS = 2.0


# The baseline: the smallest possible Streamlit app, started and rendered the same way.
BARE_APP = 'import streamlit as st\nst.title("Generative AI, hands on")\n'


def one_cold_start(page, script: Path) -> tuple[float, bool]:
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    start = time.perf_counter()
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    try:
        wait_for_port(port, server)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("h1:has-text('Generative AI, hands on')", timeout=60_000)
        seconds = time.perf_counter() - start
        wait_until_rendered(page)
        return seconds, process_has_loaded(server.pid, "libtorch")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times, bare_times = [], []
    with tempfile.TemporaryDirectory() as tmp, browser_page(1280, 720) as page:  # the browser is already open
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(BARE_APP)
        for run in range(args.runs):
            bare_times.append(one_cold_start(page, bare)[0])
            seconds, torch_loaded = one_cold_start(page, ROOT / "app.py")
            times.append(seconds)
            print(f"run {run + 1}: {seconds:.2f} s to first render (bare Streamlit app: {bare_times[-1]:.2f} s), "
                  f"torch imported: {torch_loaded}")
    median, bare_median = statistics.median(times), statistics.median(bare_times)
    print(f"median cold start: {median:.2f} s (goal < {GOAL_SECONDS:.1f} s) -> "
          f"{'OK' if median < GOAL_SECONDS else 'MISSED'}; ratio to goal {median / GOAL_SECONDS:.2f}")
    print(f"app / bare one-line Streamlit app: {median / bare_median:.2f}x ({bare_median:.2f} s)")


if __name__ == "__main__":
    main()
