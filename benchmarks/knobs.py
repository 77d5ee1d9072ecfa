"""How fast a knob answers: a key press on a slider, measured in a real browser against the real server.

For each page below, Chromium (1280x720) opens the page, focuses one slider and presses the right
arrow key five times, one step each; for every press we record

- the time from the key press until the app is idle again (the app root's script state goes through
  "running" and back to "notRunning", seen by a MutationObserver in the page), and
- the server process's CPU time spent on that change (user + system, all threads).

The baseline, measured in the same run, is the server's cost of answering a change that does nothing:
the same press on a page that only echoes a slider (an empty Streamlit rerun), so the table can say how
much of each knob is the app's own work.

    python benchmarks/knobs.py              # every page in KNOBS
    python benchmarks/knobs.py activations  # some pages

Goals: pages without a model <= 100 ms; model pages <= 100 ms plus the model work the knob asks for
(a temperature change in the next-token view re-samples nothing but the chart: <= 150 ms).
Text and chat models are the full-size GPT-2 architecture with random weights (same cost as the real one).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# (page file name without .py, the slider's label, whether the knob asks a model for work)
KNOBS: tuple[tuple[str, str, bool], ...] = (
    ("activations", "Input (the weighted sum)", False),
    ("perceptron", "Weight of 'free'", False),
    ("training_playground", "Learning rate", False),
    ("vae_lab", "Latent z1", False),
    ("embeddings", "Neighbours to show", True),
    ("text_generation", "Temperature", True),
    ("how_llms_work", "Layer", True),
)
PRESSES = 5
IDLE_PAGE = "knobs_baseline"

_OBSERVE = """() => {
  const root = document.querySelector('[data-testid="stApp"]');
  window.__states = [];
  if (window.__observer) window.__observer.disconnect();
  window.__observer = new MutationObserver(() => window.__states.push(
      [root.getAttribute('data-test-script-state'), performance.now()]));
  window.__observer.observe(root, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
_IDLE_AFTER = """(start) => {
  const states = window.__states;
  const ran = states.findIndex(([state, t]) => state === 'running' && t >= start);
  if (ran < 0) return null;
  const done = states.slice(ran).find(([state]) => state === 'notRunning');
  return done ? done[1] : null;
}"""


def server_cpu_s(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def press_and_time(page, pid: int, slider) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """One arrow-key press on a focused slider: (ms until idle, server CPU ms)."""
    page.evaluate(_OBSERVE)
    cpu_before = server_cpu_s(pid)
    start = page.evaluate("performance.now()")
    slider.press("ArrowRight")
    page.wait_for_function(f"() => ({_IDLE_AFTER})({start}) !== null", timeout=120_000)
    idle = page.evaluate(_IDLE_AFTER, start)
    page.wait_for_timeout(200)  # let the server finish its bookkeeping before reading its CPU clock
    return idle - start, (server_cpu_s(pid) - cpu_before) * 1000


def measure(page, app, slug: str, label: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    from tests.browser import wait_until_rendered

    page.goto(f"{app.url}/{slug}")
    wait_until_rendered(page)
    slider = page.get_by_role("slider", name=label).first
    slider.focus()
    press_and_time(page, app.pid, slider)  # warm-up: first-use caches, model loads
    samples = [press_and_time(page, app.pid, slider) for _ in range(PRESSES)]
    return statistics.median(ms for ms, _ in samples), statistics.median(cpu for _, cpu in samples)


def write_baseline_app(folder: Path) -> Path:
    """A one-page app that only echoes a slider: Streamlit's own cost of a rerun."""
    page = folder / f"{IDLE_PAGE}.py"
    page.write_text('import streamlit as st\nst.title("Baseline")\nx = st.slider("Baseline", 0, 100, 50)\nst.write(x)\n')
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", help="page names (default: all in KNOBS)")
    args = parser.parse_args()
    chosen = [knob for knob in KNOBS if not args.pages or knob[0] in args.pages]

    from tests import tiny_models
    from tests.browser import browser_page, running_app

    with tempfile.TemporaryDirectory() as tmp:
        gpt2 = tiny_models.write_full_size_gpt2(Path(tmp) / "gpt2")
        env = {"GENAI_TEXT_MODEL": str(gpt2), "GENAI_CHAT_MODEL": str(gpt2),
               "GENAI_EMBED_MODEL": str(tiny_models.minilm_folder())}
        baseline_dir = Path(tmp) / "baseline"
        baseline_dir.mkdir()
        baseline_page = write_baseline_app(baseline_dir)
        rows = []
        with running_app(env=env) as app, browser_page(1280, 720) as page:
            # The baseline: a bare page served by the same Streamlit version on the same machine.
            with running_app(script=str(baseline_page)) as bare:
                base_ms, base_cpu = measure(page, bare, "", "Baseline")
            for slug, label, uses_model in chosen:
                try:
                    ms, cpu = measure(page, app, slug, label)
                except Exception as error:  # a renamed knob should not hide the other pages' numbers
                    print(f"{slug}: could not measure '{label}': {type(error).__name__}: {str(error)[:120]}")
                    continue
                rows.append((slug, label, uses_model, ms, cpu))

    print(f"\nBaseline (a page that only echoes a slider): {base_ms:.0f} ms to idle, {base_cpu:.0f} ms server CPU\n")
    print("| page | knob | model work? | key press -> idle (median of 5) | server CPU per change | goal |")
    print("| --- | --- | --- | --- | --- | --- |")
    for slug, label, uses_model, ms, cpu in rows:
        goal = "<= 100 ms + model work" if uses_model else "<= 100 ms"
        met = "" if uses_model else (" ✓" if ms <= 100 else " ✗")
        print(f"| {slug} | {label} | {'yes' if uses_model else 'no'} | {ms:.0f} ms{met} | {cpu:.0f} ms | {goal} |")


if __name__ == "__main__":
    main()
