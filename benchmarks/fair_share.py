"""Fair shares: one visitor with six tabs on the longest setting, then a newcomer asking for the default.

Every tab is a thread calling `genai_demo.text.generate`, the Text generation page's entry point, with the
page's full limits: four columns of `--tokens` new tokens each, all of one owner (the visitor's browser).
Once the visitor's tabs are writing, a newcomer presses Generate with the page's defaults (two columns of
40 tokens). The baseline, measured in the same run, is the newcomer alone on the same engine. The same
arrival is measured twice: with the tabs as one owner (the app: places go round the learners and one
learner holds at most half of the batch) and with every tab its own owner (as before: first come first
served by job). The model is the full-size GPT-2 architecture with random weights.

    python benchmarks/fair_share.py              # 6 tabs x 4 columns x 120 tokens

Goal (issue 28): the newcomer's click-to-done within 2x alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

TABS, TAB_COLUMNS = 6, 4
NEWCOMER_COLUMNS, NEWCOMER_TOKENS = 2, 40
GOAL = 2.0


def write(lm, prompt: str, columns: int, tokens: int, seed: int, owner: str | None) -> float:
    """One press of Generate through the page's entry point; seconds from the click until every column is done."""
    from genai_demo.engine.sampling import SamplingSettings
    from genai_demo.text.generation import generate

    knobs = [SamplingSettings(temperature=0.8, top_k=50, max_new_tokens=tokens, seed=seed + c) for c in range(columns)]
    started = time.perf_counter()
    for _ in generate(lm, prompt, knobs, owner=owner):
        pass
    return time.perf_counter() - started


def newcomer_among_tabs(lm, tokens: int, one_owner: bool) -> tuple[float, int]:
    """The newcomer's wait while the visitor's tabs write; also the most rows the visitor held at once."""
    tabs = [threading.Thread(target=write, args=(lm, "Write a long story about the sea", TAB_COLUMNS, tokens, 10 * i,
                                                  "visitor" if one_owner else f"tab {i}"), daemon=True)
            for i in range(TABS)]
    for tab in tabs:
        tab.start()
    while lm.engine.load()[0] == 0:  # until the tabs are writing
        time.sleep(0.01)
    time.sleep(0.5)
    held = lm.engine.load()[0]
    waited = write(lm, "What's the weather like today?", NEWCOMER_COLUMNS, NEWCOMER_TOKENS, 1, "newcomer")
    for tab in tabs:
        tab.join()
    return waited, held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=120, help="new tokens per column of each tab (default 120)")
    args = parser.parse_args()

    from genai_demo.engine import kinds
    from genai_demo.engine.batching import OWNER_SHARE
    from genai_demo.engine.loader import load_model
    from tests.tiny_models import write_full_size_gpt2

    with tempfile.TemporaryDirectory() as tmp:
        lm = load_model(kinds.TEXT, str(write_full_size_gpt2(Path(tmp) / "gpt2-random")))
        cap = lm.engine.max_batch
        write(lm, "warm up", 2, 4, 0, None)
        alone = write(lm, "What's the weather like today?", NEWCOMER_COLUMNS, NEWCOMER_TOKENS, 1, "newcomer")
        fair, fair_held = newcomer_among_tabs(lm, args.tokens, one_owner=True)
        fifo, fifo_held = newcomer_among_tabs(lm, args.tokens, one_owner=False)
    print(f"full-size GPT-2 architecture, batch cap {cap} rows, one owner at most {OWNER_SHARE:.0%} of it; "
          f"{TABS} tabs x {TAB_COLUMNS} columns x {args.tokens} tokens, newcomer {NEWCOMER_COLUMNS} x "
          f"{NEWCOMER_TOKENS} tokens")
    print(f"newcomer alone:                       {alone:6.1f} s")
    print(f"tabs of one learner (the app):        {fair:6.1f} s = {fair / alone:.2f}x alone (goal <= {GOAL:g}x); "
          f"the visitor held {fair_held} rows")
    print(f"every tab its own owner (as before):  {fifo:6.1f} s = {fifo / alone:.2f}x alone; "
          f"the tabs held {fifo_held} rows")


if __name__ == "__main__":
    main()
