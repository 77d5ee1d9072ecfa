"""Attention maps (every layer and head) plus the logit lens for a 64-token text, on full-size GPT-2.

    python benchmarks/attention.py [--runs 5] [--quick]

Builds GPT-2's real architecture (`GPT2Config()`: 12 layers, 12 heads, 768 wide, 124 M parameters)
with random weights and the real tokenizer, saves it, and loads it the way the app does
(`load_model(kinds.TEXT, folder)`). Random weights cost exactly what trained ones do.
Prints each uncached run, the median against the goal (under 1 s on 2 CPU cores), and the cached repeat.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from genai_demo.engine import kinds
from genai_demo.engine.batching import attention_implementation  # noqa: E402
from genai_demo.engine.loader import load_model
from genai_demo.text import attention
from tests.tiny_models import write_full_size_gpt2  # noqa: E402

GOAL_SECONDS = 1.0
TOKENS = 64


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="two runs, to check the script works")
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs
    with tempfile.TemporaryDirectory() as tmp:
        lm = load_model(kinds.TEXT, str(write_full_size_gpt2(Path(tmp) / "gpt2-full")))
    text = "What's the weather like today? " * 20
    ids = attention.token_window(lm, text, max_tokens=TOKENS).token_ids
    assert len(ids) == TOKENS
    print(f"GPT-2 architecture, random weights, {lm.dtype}, {torch.get_num_threads()} threads, {TOKENS} tokens")
    attention.walkthrough(lm, ids)  # warm-up: first-call allocations
    times = []
    for run in range(runs):
        attention.clear_cache()
        start = time.perf_counter()
        walk = attention.walkthrough(lm, ids)
        times.append(time.perf_counter() - start)
        print(f"run {run + 1}: {times[-1]:.3f} s  ({walk.n_layers} layers x {walk.n_heads} heads, "
              f"{len(walk.lens_positions)} logit-lens positions)")
    start = time.perf_counter()
    attention.walkthrough(lm, ids)
    cached = time.perf_counter() - start

    def plain_forward() -> float:  # the baseline: one ordinary forward pass, no attention maps kept
        start = time.perf_counter()
        with torch.inference_mode():
            lm.model(input_ids=torch.tensor([ids]))
        return time.perf_counter() - start

    baseline = statistics.median(plain_forward() for _ in range(runs))
    start = time.perf_counter()
    for _ in range(100):
        with attention_implementation(lm.model, "eager"):
            pass
    switch = (time.perf_counter() - start) / 100
    median = statistics.median(times)
    print(f"median uncached: {median:.3f} s (goal < {GOAL_SECONDS:.1f} s) -> "
          f"{'OK' if median < GOAL_SECONDS else 'MISSED'}; ratio to goal {median / GOAL_SECONDS:.2f}")
    print(f"plain forward pass of the same {TOKENS} tokens: {baseline:.3f} s; "
          f"walk-through / plain forward: {median / baseline:.2f}x")
    print(f"cached repeat for the same text: {cached * 1000:.2f} ms")
    print(f"switching the shared model to eager attention and back: {switch * 1000:.3f} ms "
          f"({switch / median:.4%} of a walk-through; no second copy of the model)")


if __name__ == "__main__":
    main()
