"""How fast a knob answers: a key press on a slider, measured in a real browser against the real server.

For each page below, Chromium (1280x720) opens the page, focuses one slider and presses the arrow
keys nine times, one step each (left, right, left, ...); for every press we record

- the time from the key press until the app is idle again (the last message the server sends for that
  change: nothing more arrives for half a second; the half second itself is not counted), and
- the server process's CPU time spent on that change (user + system, all threads), and
- Chromium's CPU time for it (every process of the browser: drawing the new elements happens there, and
  on a 2-core machine the browser and the server take turns).

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

# (page, with the link that opens the knob's tab; the slider's label; whether the knob asks a model for work)
KNOBS: tuple[tuple[str, str, bool], ...] = (
    ("activations", "Input (the weighted sum)", False),
    ("perceptron", "Bias", False),
    ("training_playground", "Noise", False),
    ("tokenizer", "Merge step", False),
    ("vae_lab", "Latent number 1", False),
    ("embeddings", "Passages to show", True),
    ("text_generation?text_generation_tab=Next-token view", "Temperature", True),
    ("how_llms_work?how_llms_work_step=Attention", "Layer", True),
)
PRESSES = 9
IDLE_PAGE = "knobs_baseline"

QUIET_S = 0.5  # no message from the server for this long after the last one: the app is idle again


# Every message the server sends reaches the page through its WebSocket: note when each one arrives.
_RECORD_FRAMES = """
window.__frames = [];
const open = window.WebSocket;
window.WebSocket = function (...args) {
  const socket = new open(...args);
  socket.addEventListener('message', () => window.__frames.push(performance.now()));
  return socket;
};
window.WebSocket.prototype = open.prototype;
Object.assign(window.WebSocket, open);
"""


class Frames:
    """When the page last heard from the server (Streamlit sends each change of a rerun over its WebSocket)."""

    def __init__(self, page) -> None:
        self.page = page
        page.add_init_script(_RECORD_FRAMES)

    def now(self) -> float:
        return self.page.evaluate("performance.now()")

    def idle_after(self, start_ms: float, timeout_s: float = 120) -> float:
        """Milliseconds from `start_ms` (the page's clock) to the last message of the burst that followed it."""
        for _ in range(int(timeout_s / 0.05)):
            last, now = self.page.evaluate("[window.__frames.at(-1) ?? 0, performance.now()]")
            if last > start_ms and now - last > QUIET_S * 1000:
                return last - start_ms
            self.page.wait_for_timeout(50)
        raise TimeoutError("the app did not answer the knob")


def server_cpu_s(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def browser_cpu_s() -> float:
    """CPU time of every Chromium process this benchmark started (the page's renderer, GPU and browser)."""
    import psutil

    total = 0.0
    for process in psutil.Process().children(recursive=True):
        try:
            if "chrom" in process.name().lower():
                times = process.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def press_and_time(frames: Frames, pid: int, slider,
                   key: str) -> tuple[float, float, float]:
    """One arrow-key press on a focused slider: (ms until the app is idle again, server CPU ms, browser CPU ms)."""
    server_before, browser_before = server_cpu_s(pid), browser_cpu_s()
    start = frames.now()
    slider.press(key)
    idle_ms = frames.idle_after(start)
    return idle_ms, (server_cpu_s(pid) - server_before) * 1000, (browser_cpu_s() - browser_before) * 1000


def measure(page, frames: Frames, app,
            slug: str, label: str) -> tuple[float, float, float]:
    from tests.browser import wait_until_rendered

    page.goto(f"{app.url}/{slug}")
    wait_until_rendered(page)
    slider = page.get_by_role("slider", name=label).first
    slider.focus()
    press_and_time(frames, app.pid, slider, "ArrowRight")  # warm-up: first-use caches, model loads
    # Left, right, left, ...: every press changes the value, even on a slider that starts near its end.
    samples = [press_and_time(frames, app.pid, slider, "ArrowLeft" if i % 2 == 0 else "ArrowRight")
               for i in range(PRESSES)]
    return tuple(statistics.median(sample[i] for sample in samples) for i in range(3))


def write_baseline_app(folder: Path) -> Path:
    """A one-page app that only echoes a slider: Streamlit's own cost of a rerun."""
    page = folder / f"{IDLE_PAGE}.py"
    page.write_text('import streamlit as st\nst.title("Baseline")\n'
                    'x = st.slider("Baseline", 0, 100, 50)\nst.write(x)\n')
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", help="page names (default: all in KNOBS)")
    args = parser.parse_args()
    chosen = [knob for knob in KNOBS if not args.pages or knob[0].split("?")[0] in args.pages]

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
            frames = Frames(page)
            # The baseline: a bare page served by the same Streamlit version on the same machine.
            with running_app(script=str(baseline_page)) as bare:
                base_ms, base_cpu, base_browser = measure(page, frames, bare, "", "Baseline")
            for slug, label, uses_model in chosen:
                try:
                    ms, cpu, browser = measure(page, frames, app, slug, label)
                except Exception as error:  # noqa: BLE001 - a renamed knob should not hide the other pages' numbers
                    print(f"{slug}: could not measure '{label}': {type(error).__name__}: {str(error)[:120]}")
                    continue
                rows.append((slug, label, uses_model, ms, cpu, browser))

    print(f"\nBaseline (a page that only echoes a slider): {base_ms:.0f} ms to idle, {base_cpu:.0f} ms server CPU, "
          f"{base_browser:.0f} ms browser CPU\n")
    print("| page | knob | model work? | key press -> idle (median of 9) | server CPU per change "
          "| browser CPU per change | goal |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for slug, label, uses_model, ms, cpu, browser in rows:
        goal = "<= 100 ms + model work" if uses_model else "<= 100 ms"
        met = "" if uses_model else (" ✓" if ms <= 100 else " ✗")
        print(f"| {slug} | {label} | {'yes' if uses_model else 'no'} | {ms:.0f} ms{met} | {cpu:.0f} ms "
              f"| {browser:.0f} ms | {goal} |")


if __name__ == "__main__":
    main()
